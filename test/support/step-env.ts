/**
 * Runs `fn` with `env` merged into process.env and restores every variable afterwards: the
 * Actions toolkit reads its environment at call time, so in-process contract tests can act as one
 * step of a run after another. Not safe with concurrent tests in the same process.
 */
export async function withStepEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(env)) {
    saved.set(name, process.env[name]);
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
  }
}

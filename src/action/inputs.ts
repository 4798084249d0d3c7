import * as core from '@actions/core';
import { actionMode, buildConfig, type ActionMode, type Config } from '../config/config.ts';
import { actionInputs, renamedOption, RENAMED_OPTIONS } from '../config/options.ts';
import { ConfigError } from '../errors.ts';

/**
 * The only place the action reads its inputs: one input per option of the table, by the same
 * name, handed to the same `buildConfig` as the CLI's flags. Secret inputs are masked the moment
 * they are read, before anything could print them (a validation message included).
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  for (const name of Object.keys(RENAMED_OPTIONS)) {
    const message = renamedOption(name);
    if (message !== undefined && core.getInput(name) !== '') throw new ConfigError(message);
  }
  const raw: Record<string, string | string[] | undefined> = {};
  for (const option of actionInputs()) {
    if (option.repeatable === true) {
      const values = core.getMultilineInput(option.name);
      if (values.length > 0) raw[option.name] = values;
      continue;
    }
    const value = core.getInput(option.name);
    if (value === '') continue;
    if (option.secret === true) core.setSecret(value);
    raw[option.name] = value;
  }
  maskSecretEnvironment(env);
  return buildConfig('migrate', raw, env, 'action');
}

/** The step's `mode`, read first: each mode needs different inputs. */
export function readMode(): ActionMode {
  return actionMode(core.getInput('mode') || undefined);
}

/** AWS secrets in the environment; configure-aws-credentials masks them too, but not every setup. */
const AWS_SECRETS = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/** Secrets may also come as environment variables (`env:` in the workflow): mask those too. */
function maskSecretEnvironment(env: NodeJS.ProcessEnv): void {
  const names = actionInputs()
    .filter((option) => option.secret === true)
    .flatMap((option) => (option.env === undefined ? [] : [option.env]));
  for (const name of [...names, ...AWS_SECRETS]) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') core.setSecret(value.trim());
  }
}

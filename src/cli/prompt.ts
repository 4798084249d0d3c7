import { createInterface } from 'node:readline';

/**
 * Line-by-line questions on stdin that work the same from a terminal and from a pipe: lines that
 * arrive before their question is asked wait in a queue (a script may pipe every answer at once),
 * and the end of input fails the question instead of hanging. Not a raw-mode terminal: the
 * terminal echoes and edits the line itself, and Ctrl-C stays an ordinary SIGINT.
 */
export interface Prompter {
  ask(question: string): Promise<string>;
  close(): void;
}

export class PromptClosed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptClosed';
  }
}

export function createPrompter(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Prompter {
  const lines: string[] = [];
  const waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  let ended: PromptClosed | undefined;
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
  rl.on('line', (line) => {
    const next = waiting.shift();
    if (next === undefined) lines.push(line);
    else next.resolve(line);
  });
  const end = (reason: PromptClosed): void => {
    ended ??= reason;
    for (const next of waiting.splice(0)) next.reject(ended);
  };
  rl.on('close', () => {
    end(new PromptClosed('the input ended before an answer was given'));
  });
  return {
    ask(question) {
      output.write(question);
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended !== undefined) return Promise.reject(ended);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    close() {
      rl.close();
    },
  };
}

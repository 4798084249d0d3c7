import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.ts';

/** Builds the command-line program. Commands are added as the engine grows. */
export function buildProgram(): Command {
  return new Command('dropbox-to-s3')
    .description(
      'Migrate a whole Dropbox account into Amazon S3 or an S3-compatible store, ' +
        'in verified, resumable, time-bounded chunks.',
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
}

/** Runs the program on `argv` and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(
      `dropbox-to-s3: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { buildConfig, type RawSettings } from '../config/config.ts';
import { OPTIONS, type Command as CommandName } from '../config/options.ts';
import { ConfigError, messageOf } from '../errors.ts';
import { VERSION } from '../version.ts';
import { runMigrate } from './migrate.ts';
import { runStatus } from './status.ts';
import { runVerifyCommand } from './verify.ts';

/** Exit codes: 0 the command ran (work may be left), 1 a fatal error, 2 invalid input. */
export const EXIT = { ok: 0, fatal: 1, usage: 2 } as const;

function addOptions(command: Command, name: CommandName): Command {
  for (const spec of OPTIONS) {
    // Secrets come from the environment only: flags end up in shell history and process lists.
    if (!spec.commands.includes(name) || spec.secret === true) continue;
    const placeholder =
      spec.optionalValue === true ? `[${spec.value ?? 'value'}]` : `<${spec.value ?? ''}>`;
    const flags = spec.value === undefined ? `--${spec.name}` : `--${spec.name} ${placeholder}`;
    const help = [
      spec.description,
      spec.defaultText === undefined ? '' : ` Default: ${spec.defaultText}.`,
      spec.env === undefined ? '' : ` Environment: ${spec.env}.`,
    ].join('');
    const option = new Option(flags, help.replaceAll('`', ''));
    if (spec.repeatable === true) {
      option.argParser((value: string, previous: string[] | undefined) => [
        ...(previous ?? []),
        value,
      ]);
    } else if (spec.value !== undefined) {
      // Commander keeps the last of two values; `--shard 0/2 … --shard 1/2` is a mistake to name.
      option.argParser((value: string, previous: string | undefined) => {
        if (previous !== undefined) {
          throw new InvalidArgumentError(`--${spec.name} may be given only once.`);
        }
        return value;
      });
    }
    command.addOption(option);
  }
  return command;
}

/** Commander's camelCase option names back to the table's kebab-case names. */
function rawSettings(command: Command, name: CommandName): RawSettings {
  const values = command.opts<Record<string, string | boolean | string[] | undefined>>();
  const raw: Record<string, string | boolean | string[] | undefined> = {};
  for (const spec of OPTIONS) {
    if (!spec.commands.includes(name) || spec.secret === true) continue;
    const camel = spec.name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
    if (values[camel] !== undefined) raw[spec.name] = values[camel];
  }
  return raw;
}

export function buildProgram(run: (code: number) => void): Command {
  const program = new Command('dropbox-to-s3')
    .description(
      'Migrate a whole Dropbox account into Amazon S3 or an S3-compatible store, ' +
        'in verified, resumable, time-bounded chunks.',
    )
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({
      outputError: (text, write) => {
        write(text);
      },
    });

  addOptions(
    program
      .command('migrate')
      .description(
        'Run one chunk: list what changed, copy what is pending, verify, save the ledger.',
      )
      .addHelpText(
        'after',
        '\nCredentials come from the environment: DROPBOX_APP_KEY, DROPBOX_REFRESH_TOKEN and ' +
          'DROPBOX_APP_SECRET (not needed for PKCE tokens), or DROPBOX_ACCESS_TOKEN; AWS from the ' +
          'standard chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, …).\n' +
          'Exit status: 0 the chunk ran (there may be work left: see "done"), 1 fatal error, 2 invalid input.',
      ),
    'migrate',
  ).action(async (_options, command: Command) => {
    const config = buildConfig('migrate', rawSettings(command, 'migrate'), process.env);
    run(await runMigrate(config));
  });

  addOptions(
    program
      .command('status')
      .description('Show what the ledger says: totals, failures, recent chunks.'),
    'status',
  ).action(async (_options, command: Command) => {
    const config = buildConfig('status', rawSettings(command, 'status'), process.env);
    run(await runStatus(config));
  });

  addOptions(
    program
      .command('verify')
      .description(
        "Compare S3 with Dropbox: every migrated file's object exists with the right size, stored " +
          'hash and rev (--deep: its bytes are read and re-hashed).',
      )
      .addHelpText(
        'after',
        '\nCredentials as for migrate (the listing is brought up to date first).\n' +
          'Exit status: 0 no differences, 1 a difference (listed on stdout) or a fatal error, 2 invalid input.',
      ),
    'verify',
  ).action(async (_options, command: Command) => {
    const config = buildConfig('verify', rawSettings(command, 'verify'), process.env);
    run(await runVerifyCommand(config));
  });
  return program;
}

/** Runs the program on `argv` and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((result) => {
    code = result;
  });
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync([...argv]);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`dropbox-to-s3: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`dropbox-to-s3: ${messageOf(error)}\n`);
    return EXIT.fatal;
  }
}

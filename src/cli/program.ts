import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { buildConfig, type Config, type RawSettings } from '../config/config.ts';
import {
  defaultText,
  OPTIONS,
  renamedOption,
  type Command as CommandName,
} from '../config/options.ts';
import { ConfigError, messageOf } from '../errors.ts';
import { VERSION } from '../version.ts';
import { runAuth } from './auth.ts';
import { EXIT } from './exit-codes.ts';
import { runMigrate } from './migrate.ts';
import { runPlan } from './plan.ts';
import { runStatus } from './status.ts';
import { runVerifyCommand } from './verify.ts';

function addOptions(command: Command, name: CommandName): Command {
  for (const spec of OPTIONS) {
    // Secrets come from the environment only: flags end up in shell history and process lists.
    if (!spec.commands.includes(name) || spec.secret === true) continue;
    const placeholder =
      spec.optionalValue === true ? `[${spec.value ?? 'value'}]` : `<${spec.value ?? ''}>`;
    const flags = spec.value === undefined ? `--${spec.name}` : `--${spec.name} ${placeholder}`;
    const byDefault = defaultText(spec);
    const help = [
      spec.description,
      byDefault === undefined ? '' : ` Default: ${byDefault}.`,
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

interface CommandSpec {
  readonly name: CommandName;
  readonly description: string;
  /** Shown after the options: where credentials come from, the exit status. */
  readonly help?: string;
  readonly run: (config: Config) => Promise<number>;
}

const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'migrate',
    description: 'Run one chunk: list what changed, copy what is pending, verify, save the ledger.',
    help:
      'Credentials come from the environment: DROPBOX_APP_KEY, DROPBOX_REFRESH_TOKEN and ' +
      'DROPBOX_APP_SECRET (not needed for PKCE tokens), or DROPBOX_ACCESS_TOKEN; AWS from the ' +
      'standard chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, …).\n' +
      'Exit status: 0 the chunk ran (there may be work left: see "done"), 1 fatal error, 2 invalid input.',
    run: runMigrate,
  },
  {
    name: 'status',
    description: 'Show what the ledger says: totals, failures, recent chunks.',
    run: runStatus,
  },
  {
    name: 'verify',
    description:
      "Compare S3 with Dropbox: every migrated file's object exists with the right size, stored " +
      'hash and rev (--deep: its bytes are read and re-hashed).',
    help:
      'Credentials as for migrate (the listing is brought up to date first).\n' +
      'Exit status: 0 no differences, 1 a difference (listed on stdout) or a fatal error, 2 invalid input.',
    run: runVerifyCommand,
  },
  {
    name: 'plan',
    description:
      'List the account (nothing is copied) and print what would be migrated, exported or left ' +
      'out, with the estimated cost of each storage strategy over 1, 12 and 36 months.',
    help: 'Credentials as for migrate (only Dropbox is read).',
    run: runPlan,
  },
  {
    name: 'auth',
    description:
      "Get a Dropbox refresh token for your app: open Dropbox's authorize page, paste the code " +
      'it shows, and get the token with the `gh secret set` lines that store it.',
    help:
      'The app key comes from DROPBOX_APP_KEY (asked for when unset); DROPBOX_APP_SECRET is ' +
      'optional (without it the token is a PKCE token, refreshed with the app key alone).\n' +
      'Exit status: 0 the token was printed, 1 Dropbox refused the code, the app credentials or ' +
      'the permissions, or could not be reached, 2 no app key or no code was given.',
    run: runAuth,
  },
];

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

  for (const spec of COMMANDS) {
    const command = program.command(spec.name).description(spec.description);
    if (spec.help !== undefined) command.addHelpText('after', `\n${spec.help}`);
    addOptions(command, spec.name).action(async (_options, self: Command) => {
      run(await spec.run(buildConfig(spec.name, rawSettings(self, spec.name), process.env)));
    });
  }
  return program;
}

/** An option given by a name it had before it was renamed fails with the new name. */
function refuseRenamedOptions(args: readonly string[]): void {
  for (const arg of args) {
    const name = /^--([a-z0-9-]+)(=.*)?$/.exec(arg)?.[1];
    const message = name === undefined ? undefined : renamedOption(name);
    if (message !== undefined) throw new ConfigError(message);
  }
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
    refuseRenamedOptions(argv.slice(2));
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

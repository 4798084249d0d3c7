import { ConfigError } from '../errors.ts';
import {
  optionNamed,
  parseOption,
  type Command,
  type FrontDoor,
  type OptionName,
  type OptionSpec,
  type OptionValue,
} from './options.ts';

/** Raw values by option name, as a front door collected them (flags, inputs). */
export type RawSettings = Readonly<
  Record<string, string | boolean | readonly string[] | undefined>
>;

/** Options whose value is true or false: on/off switches, and `disable-schedule-when-done`. */
type BooleanOption = {
  [N in OptionName]: OptionValue<N> extends boolean ? N : never;
}[OptionName];

/** The raw settings of one run, read option by option through the option table. */
export interface Reader {
  /** The given text (trimmed; from the option's environment variables when not given), if any. */
  text(name: OptionName): string | undefined;
  /** The option's typed value: the text, else its default, read by the option's parser. */
  value<N extends OptionName>(name: N): OptionValue<N>;
  /** Every value of a repeatable option (the action gives one a line). */
  list(name: OptionName): string[];
  /** A switch: the CLI gives `true` alone; the action gives text. */
  flag(name: BooleanOption): boolean;
}

/** Refuses options that do not exist or do not apply to `command`, then reads the rest. */
export function reader(
  command: Command,
  raw: RawSettings,
  env: NodeJS.ProcessEnv,
  front: FrontDoor,
): Reader {
  const applies = (option: OptionSpec): boolean =>
    option.commands.includes(command) || (front === 'action' && option.commands.includes('action'));
  for (const name of Object.keys(raw)) {
    const option = optionNamed(name);
    if (option === undefined) throw new ConfigError(`unknown option --${name}.`);
    if (raw[name] !== undefined && !applies(option)) {
      throw new ConfigError(`--${name} does not apply to \`${command}\`.`);
    }
  }
  const text = (name: OptionName): string | undefined => {
    const value = raw[name];
    if (typeof value === 'object') throw new ConfigError(`--${name} may be given only once.`);
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    const option = optionNamed(name);
    for (const variable of [option?.env, option?.defaultEnv]) {
      const fromEnv = variable === undefined ? undefined : env[variable];
      if (fromEnv !== undefined && fromEnv.trim() !== '') return fromEnv.trim();
    }
    return undefined;
  };
  const value = <N extends OptionName>(name: N): OptionValue<N> =>
    parseOption(name, text(name), front);
  return {
    text,
    value,
    list: (name) => {
      const given = raw[name];
      const values =
        typeof given === 'string' ? given.split('\n') : typeof given === 'object' ? given : [];
      return values.map((item) => item.trim()).filter((item) => item !== '');
    },
    flag: (name) => {
      const given = raw[name];
      return typeof given === 'boolean' ? given : value(name);
    },
  };
}

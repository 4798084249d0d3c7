import type { Config } from '../config/config.ts';

/** Placeholder while auth (issue 6) is built on its branch; replaced before this lands. */
export function runAuth(config: Config): Promise<number> {
  return Promise.reject(new Error(`${config.command} is being built`));
}

import type { Config } from '../config/config.ts';
import { messageOf } from '../errors.ts';
import {
  AuthError,
  authorizeUrl,
  checkRefresh,
  createPkce,
  currentAccount,
  endpoints,
  exchangeCode,
  missingScopes,
  type AccountSummary,
  type App,
  type RefreshKind,
} from '../dropbox/oauth.ts';
import { EXIT } from './exit-codes.ts';
import { createPrompter, PromptClosed, type Prompter } from './prompt.ts';

export interface AuthIo {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  readonly errors: NodeJS.WritableStream;
}

/** Where a person finds what the questions ask for. */
const APP_CONSOLE = 'https://www.dropbox.com/developers/apps';

/**
 * `dropbox-to-s3 auth`: the OAuth code flow with PKCE and offline access, as a conversation. The
 * app secret is used when DROPBOX_APP_SECRET holds it and is never shown; the code and the verifier
 * are never shown either. Only the refresh token is printed, because printing it is the point.
 */
export async function runAuth(
  config: Config,
  io: AuthIo = { input: process.stdin, output: process.stdout, errors: process.stderr },
): Promise<number> {
  const say = (text = ''): void => {
    io.output.write(`${text}\n`);
  };
  const prompter = createPrompter(io.input, io.output);
  const secrets: string[] = [];
  const fail = (code: number, message: string): number => {
    io.errors.write(`dropbox-to-s3: ${redact(message, secrets)}\n`);
    return code;
  };
  try {
    const { appSecret } = config.dropbox.credentials;
    if (appSecret !== undefined) secrets.push(appSecret);
    const appKey = config.dropbox.credentials.appKey ?? (await askAppKey(prompter, say));
    if (appKey === undefined) {
      return fail(
        EXIT.usage,
        `no app key: set DROPBOX_APP_KEY or type it when asked (${APP_CONSOLE} → your app → Settings → App key).`,
      );
    }
    const app: App = { appKey, appSecret };
    const where = endpoints(config.dropbox.baseUrl);
    const pkce = createPkce();
    secrets.push(pkce.verifier);

    say(
      appSecret === undefined
        ? 'No DROPBOX_APP_SECRET: this is a PKCE flow, and the token will refresh with the app key alone.'
        : 'Using the app secret from DROPBOX_APP_SECRET (it is not shown).',
    );
    say();
    say(
      '1. Open this page in a browser signed in to the Dropbox account to migrate, and allow the app:',
    );
    say();
    say(`   ${authorizeUrl(where, appKey, pkce)}`);
    say();
    say('2. Dropbox then shows an access code. It works once, for a few minutes.');
    const code = (await prompter.ask('   Paste it here and press Enter: ')).trim();
    if (code === '') {
      return fail(EXIT.usage, 'no access code was pasted. Run `dropbox-to-s3 auth` again.');
    }
    secrets.push(code);
    say();

    const grant = await exchangeCode(where, app, { code, pkce });
    secrets.push(grant.accessToken);
    const missing = missingScopes(grant);
    if (missing.length > 0) {
      return fail(
        EXIT.fatal,
        `the app lacks the permission${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which every ` +
          `migration needs. In ${APP_CONSOLE} → your app → Permissions, tick ${missing.join(' and ')}, ` +
          'press Submit, then run `dropbox-to-s3 auth` again (a token keeps the scopes it was issued with).',
      );
    }
    const account = await currentAccount(where, grant.accessToken);
    const kind = await checkRefresh(where, app, grant.refreshToken);
    printResult(say, {
      appKey,
      account,
      refreshToken: grant.refreshToken,
      kind,
      secretGiven: appSecret !== undefined,
    });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof PromptClosed) {
      return fail(EXIT.usage, `${error.message}: type the answer, or pipe it in on its own line.`);
    }
    if (error instanceof AuthError) return fail(EXIT.fatal, `${error.message} ${advice(error)}`);
    return fail(EXIT.fatal, messageOf(error));
  } finally {
    prompter.close();
  }
}

async function askAppKey(
  prompter: Prompter,
  say: (text?: string) => void,
): Promise<string | undefined> {
  say(`DROPBOX_APP_KEY is not set. Your app's key is on ${APP_CONSOLE} → your app → Settings.`);
  const key = (await prompter.ask('App key: ')).trim();
  say();
  return key === '' ? undefined : key;
}

function advice(error: AuthError): string {
  switch (error.failure) {
    case 'invalid_code':
      return (
        'The code may be mistyped, used already, expired (codes last a few minutes), or come from ' +
        'another run of auth (each run has its own PKCE verifier). Run `dropbox-to-s3 auth` again ' +
        'and paste the code from the page its link opens, straight away.'
      );
    case 'invalid_client':
      return (
        'Check DROPBOX_APP_KEY and DROPBOX_APP_SECRET against ' +
        `${APP_CONSOLE} → your app → Settings (App key; App secret → Show), or unset ` +
        'DROPBOX_APP_SECRET to use PKCE without it. Then run auth again.'
      );
    case 'network':
      return 'Check the network connection, then run `dropbox-to-s3 auth` again for a new code.';
    case 'refresh_failed':
      return (
        'The token was issued but cannot be refreshed with these app credentials: set ' +
        'DROPBOX_APP_SECRET to the app secret and run auth again.'
      );
    case 'unexpected':
      return 'Run `dropbox-to-s3 auth` again; if it keeps failing, Dropbox may be having trouble.';
  }
}

/** What auth found out, for the person to store. */
interface AuthResult {
  readonly appKey: string;
  readonly account: AccountSummary;
  readonly refreshToken: string;
  readonly kind: RefreshKind;
  /** DROPBOX_APP_SECRET was set (a PKCE token does not need it). */
  readonly secretGiven: boolean;
}

function printResult(say: (text?: string) => void, result: AuthResult): void {
  const { appKey, account, refreshToken, kind, secretGiven } = result;
  const team =
    account.team === undefined ? '' : `, member of the team "${printable(account.team)}"`;
  const unverified = account.emailVerified ? '' : ' (email not verified)';
  say(
    `Authorized: ${printable(account.name)} <${printable(account.email)}>${unverified}${team}, ` +
      `account ${printable(account.accountId)}.`,
  );
  say();
  say(
    kind === 'app-key-alone'
      ? `Refresh token (from a PKCE flow: it refreshes with the app key alone${secretGiven ? '; DROPBOX_APP_SECRET is not needed' : ''}):`
      : 'Refresh token (it refreshes only with the app key AND the app secret: store both):',
  );
  say();
  say(`  ${refreshToken}`);
  say();
  say('It does not expire, and opens this Dropbox account to anyone who also has the app key:');
  say('keep it as a secret. To store it for the workflow, run these in your repository (or add');
  say('--repo OWNER/REPO); the commands without --body ask for the value, so it stays out of your');
  say('shell history:');
  say();
  say(`  gh secret set DROPBOX_APP_KEY --body ${shellWord(appKey)}`);
  say('  gh secret set DROPBOX_REFRESH_TOKEN     # paste the refresh token above');
  if (kind === 'needs-secret') {
    say('  gh secret set DROPBOX_APP_SECRET        # paste your app secret');
  }
  say();
  say('To use it with the CLI, put the same names in the environment (bash or zsh):');
  say();
  say(`  export DROPBOX_APP_KEY=${shellWord(appKey)}`);
  say(
    '  read -rs DROPBOX_REFRESH_TOKEN && export DROPBOX_REFRESH_TOKEN   # paste the token, Enter',
  );
  if (kind === 'needs-secret') {
    say(
      '  read -rs DROPBOX_APP_SECRET && export DROPBOX_APP_SECRET         # paste the secret, Enter',
    );
  }
  say('  dropbox-to-s3 plan');
}

/** Names from Dropbox reach a terminal: no control characters (escape sequences) get through. */
function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, '?');
}

/** The app key quoted for a POSIX shell when it needs it (Dropbox's keys are plain letters and digits). */
function shellWord(text: string): string {
  return /^[A-Za-z0-9._-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Whatever the message quotes, a secret of this run never reaches the terminal. */
function redact(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) if (secret.length >= 4) out = out.replaceAll(secret, '[redacted]');
  return out;
}

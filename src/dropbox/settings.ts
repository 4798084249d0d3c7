/** The app and tokens Dropbox is reached with; the refresh token needs the app key (and secret). */
export interface DropboxCredentials {
  readonly appKey: string | undefined;
  readonly appSecret: string | undefined;
  readonly refreshToken: string | undefined;
  readonly accessToken: string | undefined;
}

/**
 * What the Dropbox adapter is told. `src/config` builds it (the `dropbox` section of a Config);
 * the adapter never reads a Config.
 */
export interface DropboxSettings {
  readonly credentials: DropboxCredentials;
  /** One server for every Dropbox host (the emulator); undefined for Dropbox itself. */
  readonly baseUrl: string | undefined;
  /** List and download from the team's root namespace instead of the member's home. */
  readonly teamRoot: boolean;
}

/** The Dropbox API emulator: serves a local folder as a Dropbox account over HTTP. */
export { startDropboxEmulator, DEFAULT_ACCOUNT, type DropboxEmulator } from './server.ts';
export { emulatorFetch, DROPBOX_HOSTS } from './fetch.ts';
export { DEFAULT_FAULTS } from './faults.ts';
export { DEFAULT_EXPORT_FORMATS } from './metadata.ts';
export type { DeletedMetadata, FileMetadata, FolderMetadata, Metadata } from './metadata.ts';
export type {
  AccountInfo,
  DisplayCase,
  DropboxEmulatorOptions,
  EmulatorStats,
  ExportFormatInfo,
  Faults,
} from './types.ts';

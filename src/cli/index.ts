#!/usr/bin/env node
import { main } from './program.ts';

const code = await main(process.argv);
// Idle keep-alive sockets of the SDKs must not hold the process open once the work is done.
process.stdout.write('', () => process.exit(code));

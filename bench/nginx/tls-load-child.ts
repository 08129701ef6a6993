/** Child entry of `tlsLoadFromChild`: `TlsLoadOptions` JSON on stdin, `TlsLoadResult` JSON on stdout. */
import { text } from 'node:stream/consumers';
import { runTlsLoad, type TlsLoadOptions } from './tls-load.ts';

const options = JSON.parse(await text(process.stdin)) as TlsLoadOptions;
process.stdout.write(JSON.stringify(await runTlsLoad(options)));

/** Child entry of `loadFromChild`: reads `LoadOptions` JSON on stdin, writes a `LoadResult` JSON on stdout. */
import { text } from 'node:stream/consumers';
import { type LoadOptions, runHttpLoad } from './http-load.ts';

const options = JSON.parse(await text(process.stdin)) as LoadOptions;
process.stdout.write(JSON.stringify(await runHttpLoad(options)));

/** Child entry of `reportLoadFromChild`: `ReportLoadOptions` JSON on stdin, `ReportLoadResult` JSON on stdout. */
import { text } from 'node:stream/consumers';
import { type ReportLoadOptions, runReportLoad } from './report-load.ts';

const options = JSON.parse(await text(process.stdin)) as ReportLoadOptions;
process.stdout.write(JSON.stringify(await runReportLoad(options)));

import { type Static, Type } from '@sinclair/typebox';
import { AppSchema } from './app.ts';
import { AppId, BoundedArray, HostName, IpAddress, LIMITS, Timestamp } from './common.ts';
import { NetworkSchema } from './network.ts';
import { SnapshotSchema } from './snapshot.ts';

/** Agent-made report id: a UUID, reused on retries. */
export const ReportIdSchema = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  maxLength: 36,
});

export const AppInstalledEventSchema = Type.Object(
  { type: Type.Literal('app-installed'), at: Timestamp, app: AppSchema },
  { additionalProperties: false },
);
export const AppRemovedEventSchema = Type.Object(
  { type: Type.Literal('app-removed'), at: Timestamp, appId: AppId },
  { additionalProperties: false },
);
export const NetworkChangedEventSchema = Type.Object(
  { type: Type.Literal('network-changed'), at: Timestamp, network: NetworkSchema },
  { additionalProperties: false },
);
export const DomainVisitedEventSchema = Type.Object(
  {
    type: Type.Literal('domain-visited'),
    at: Timestamp,
    domain: HostName,
    answers: Type.Optional(BoundedArray(IpAddress, LIMITS.dnsAnswers)),
  },
  { additionalProperties: false },
);

/** One incremental change, applied in order on top of the last full snapshot. */
export const SnapshotEventSchema = Type.Union([
  AppInstalledEventSchema,
  AppRemovedEventSchema,
  NetworkChangedEventSchema,
  DomainVisitedEventSchema,
]);
export type SnapshotEvent = Static<typeof SnapshotEventSchema>;

export const FullReportSchema = Type.Object(
  { reportId: ReportIdSchema, kind: Type.Literal('full'), snapshot: SnapshotSchema },
  { additionalProperties: false },
);
export const EventsReportSchema = Type.Object(
  {
    reportId: ReportIdSchema,
    kind: Type.Literal('events'),
    events: Type.Array(SnapshotEventSchema, { minItems: 1, maxItems: LIMITS.events }),
  },
  { additionalProperties: false },
);

/** Body of `POST /v1/device/reports` (docs/agent-protocol.md §4). */
export const ReportSchema = Type.Union([FullReportSchema, EventsReportSchema], {
  $id: 'https://riskgate.dev/schema/report/v1',
  title: 'Riskgate device report',
});
export type Report = Static<typeof ReportSchema>;

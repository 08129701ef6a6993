import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { DetectionSettingsSchema } from '../../settings/detection-settings.ts';
import { errorResponses, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';

const PrivacySchema = Type.Object(
  {
    personalDevices: Type.Union([Type.Literal('matches-only'), Type.Literal('full')], {
      description: 'matches-only: for personal devices keep only matched apps/domains and no network names',
    }),
  },
  { additionalProperties: false },
);

const RETENTION_FIELDS = {
  retiredDeviceSnapshots: 'stored snapshots of devices retired longer ago',
  reports: 'report records (report id, outcome) received longer ago',
  deviceHistory: 'device history entries (state changes) older than this',
  resolvedThreats: 'threats resolved longer ago (active and ignored threats stay)',
  accessLog: 'access-log entries older than this',
  deliveredOutbox: 'outbox rows delivered longer ago (at most RISKGATE_OUTBOX_RETENTION_DAYS)',
  auditLog: 'audit entries older than this, only up to a signed checkpoint (at least 90 days)',
} as const;

const days = (description: string) =>
  Type.Integer({ minimum: 1, maximum: 3650, description: `Days: ${description}` });

const RetentionDaysSchema = Type.Object(
  Object.fromEntries(Object.entries(RETENTION_FIELDS).map(([kind, text]) => [kind, days(text)])) as {
    [K in keyof typeof RETENTION_FIELDS]: ReturnType<typeof days>;
  },
  { additionalProperties: false },
);

const BoundSchema = Type.Object(
  { min: Type.Integer(), max: Type.Integer() },
  { additionalProperties: false },
);

const RetentionViewSchema = Type.Object(
  {
    days: RetentionDaysSchema,
    defaults: RetentionDaysSchema,
    bounds: Type.Object(
      Object.fromEntries(Object.keys(RETENTION_FIELDS).map((kind) => [kind, BoundSchema])) as {
        [K in keyof typeof RETENTION_FIELDS]: typeof BoundSchema;
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const RetentionChangeSchema = Type.Partial(RetentionDaysSchema, {
  additionalProperties: false,
  minProperties: 1,
});

/** Tenant settings. */
export function registerSettingsRoutes(settings: Services['settings']): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/settings/privacy',
      {
        ...requires('settings:read'),
        schema: {
          tags: ['admin'],
          summary: 'Privacy settings',
          response: { 200: PrivacySchema, ...errorResponses(401, 403) },
        },
      },
      async (request) => settings.getPrivacy(principalOf(request)),
    );
    app.put(
      '/settings/privacy',
      {
        ...requires('settings:write'),
        schema: {
          tags: ['admin'],
          summary: 'Change privacy settings (audited)',
          body: PrivacySchema,
          response: { 200: PrivacySchema, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => settings.setPrivacy(principalOf(request), request.body),
    );
    app.get(
      '/settings/retention',
      {
        ...requires('settings:read'),
        schema: {
          tags: ['admin'],
          summary:
            'Retention: days each kind of row is kept, the defaults and the bounds (docs/retention.md)',
          response: { 200: RetentionViewSchema, ...errorResponses(401, 403) },
        },
      },
      async (request) => settings.getRetention(principalOf(request)),
    );
    app.put(
      '/settings/retention',
      {
        ...requires('settings:write'),
        schema: {
          tags: ['admin'],
          summary: 'Change retention (audited); kinds left out keep their value; out of bounds: 400',
          body: RetentionChangeSchema,
          response: { 200: RetentionViewSchema, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => settings.setRetention(principalOf(request), request.body),
    );
    app.get(
      '/settings/detection',
      {
        ...requires('settings:read'),
        schema: {
          tags: ['admin'],
          summary: 'Detection settings (known Wi-Fi networks)',
          response: { 200: DetectionSettingsSchema, ...errorResponses(401, 403) },
        },
      },
      async (request) => settings.getDetection(principalOf(request)),
    );
    app.put(
      '/settings/detection',
      {
        ...requires('settings:write'),
        schema: {
          tags: ['admin'],
          summary: "Change detection settings (audited; applies from each device's next report)",
          body: DetectionSettingsSchema,
          response: { 200: DetectionSettingsSchema, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => settings.setDetection(principalOf(request), request.body),
    );
  };
}

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

import { Type } from '@sinclair/typebox';

/**
 * The JSON a NanoMDM (`-webhook-url`) or MicroMDM webhook posts: one event per request. Command
 * results come as `mdm.Connect` with `acknowledge_event`; check-ins (`mdm.Authenticate`,
 * `mdm.TokenUpdate`, `mdm.CheckOut`, …) with `checkin_event`. `raw_payload` is the device's plist,
 * base64 (Go's encoding of `[]byte`). NanoMDM leaves `event_id` empty; MicroMDM sets it.
 */
const Udid = Type.String({ maxLength: 128 });
const RawPayload = Type.String({ maxLength: 12 * 1024 * 1024, pattern: '^[A-Za-z0-9+/=\\r\\n]*$' });
const UrlParams = Type.Optional(
  Type.Union([Type.Null(), Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 1024 }))]),
);

export const MdmWebhookEventSchema = Type.Object(
  {
    topic: Type.String({ minLength: 1, maxLength: 64 }),
    event_id: Type.Optional(Type.String({ maxLength: 128 })),
    created_at: Type.Optional(Type.String({ maxLength: 64 })),
    acknowledge_event: Type.Optional(
      Type.Object({
        udid: Type.Optional(Udid),
        enrollment_id: Type.Optional(Udid),
        status: Type.String({ maxLength: 64 }),
        command_uuid: Type.Optional(Type.String({ maxLength: 128 })),
        url_params: UrlParams,
        raw_payload: Type.Optional(Type.Union([RawPayload, Type.Null()])),
      }),
    ),
    checkin_event: Type.Optional(
      Type.Object({
        udid: Type.Optional(Udid),
        enrollment_id: Type.Optional(Udid),
        url_params: UrlParams,
        raw_payload: Type.Optional(Type.Union([RawPayload, Type.Null()])),
      }),
    ),
  },
  { $id: 'MdmWebhookEvent', description: 'A NanoMDM / MicroMDM webhook event' },
);

/** One webhook event (see {@link MdmWebhookEventSchema}). */
export interface MdmWebhookEvent {
  readonly topic: string;
  readonly event_id?: string;
  readonly created_at?: string;
  readonly acknowledge_event?: {
    readonly udid?: string;
    readonly enrollment_id?: string;
    readonly status: string;
    readonly command_uuid?: string;
    readonly raw_payload?: string | null;
  };
  readonly checkin_event?: {
    readonly udid?: string;
    readonly enrollment_id?: string;
    readonly raw_payload?: string | null;
  };
}

/** What the webhook answers. */
export const MdmWebhookReplySchema = Type.Object({
  outcome: Type.Union([
    Type.Literal('ingested'),
    Type.Literal('duplicate'),
    Type.Literal('mapped'),
    Type.Literal('ignored'),
  ]),
  /** Why an event changed nothing (`unknown-device`, `not-acknowledged`, `other-command`, …). */
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  deviceId: Type.Optional(Type.String()),
  command: Type.Optional(Type.String()),
  riskLevel: Type.Optional(Type.String()),
  complianceState: Type.Optional(Type.String()),
});

export interface MdmWebhookReply {
  readonly outcome: 'ingested' | 'duplicate' | 'mapped' | 'ignored';
  readonly reason?: string;
  readonly message?: string;
  readonly deviceId?: string;
  readonly command?: string;
  readonly riskLevel?: string;
  readonly complianceState?: string;
}

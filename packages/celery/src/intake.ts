// The first look at a popped message, before anything is recorded for it: is it UTF-8 JSON holding
// an object (the only shape kombu publishes)? Anything else (JSON `null`, numbers, arrays, strings,
// bytes that are not UTF-8 or not JSON) cannot carry a task id or a delivery tag, so it goes to the
// dead-letter list unchanged. This never throws: a message must not be able to stop the consumer.
// The message shape itself: docs/celery-wire.md "Messages".
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export type Intake =
  | { kind: 'dead'; reason: string }
  | { kind: 'object'; text: string; parsed: Record<string, unknown>; tag: string | null; exchange: string };

export function intake(raw: Buffer): Intake {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return { kind: 'dead', reason: 'message is not UTF-8' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'dead', reason: 'message is not JSON' };
  }
  if (!isObj(parsed)) return { kind: 'dead', reason: `message is JSON ${parsed === null ? 'null' : Array.isArray(parsed) ? 'array' : typeof parsed}, not an object` };
  const props = isObj(parsed.properties) ? parsed.properties : {};
  const di = isObj(props.delivery_info) ? props.delivery_info : {};
  const tag = typeof props.delivery_tag === 'string' && props.delivery_tag.length > 0 && props.delivery_tag.length <= 256 ? props.delivery_tag : null;
  return { kind: 'object', text, parsed, tag, exchange: typeof di.exchange === 'string' ? di.exchange : '' };
}

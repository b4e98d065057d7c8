/**
 * Streaming parser for `multipart/related` bodies, as sent by googleapis for
 * `uploadType=multipart` (protocols.md B6.2):
 *
 *   --B\r\ncontent-type: application/json\r\n\r\n<JSON>\r\n--B\r\ncontent-type: video/mp4\r\n\r\n<bytes>\r\n--B--
 *
 * The body arrives with chunked transfer encoding and may be gigabytes long,
 * so it is never buffered: `feed()` returns events whose `data` slices point
 * into the fed chunk, and only a tail shorter than the delimiter is retained
 * between calls (a delimiter can straddle two chunks).
 */

export type MultipartEvent =
  | { type: 'partStart'; headers: Record<string, string> }
  | { type: 'data'; data: Buffer }
  | { type: 'partEnd' }
  | { type: 'end' };

type State = 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'done';

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

export class MultipartError extends Error {}

/** Extract the boundary from a `multipart/related; boundary=…` content type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/related\b/i.test(contentType.trim())) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

export class MultipartParser {
  private state: State = 'preamble';
  // Start with a CRLF so that a delimiter at the very start of the body matches
  // the same "\r\n--boundary" pattern as every later one.
  private buf: Buffer = Buffer.from(CRLF);
  private readonly delim: Buffer;
  partCount = 0;

  constructor(boundary: string) {
    this.delim = Buffer.from(`\r\n--${boundary}`);
  }

  get done(): boolean {
    return this.state === 'done';
  }

  feed(chunk: Buffer): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    if (this.state === 'done') return events;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      switch (this.state) {
        case 'preamble': {
          const i = this.buf.indexOf(this.delim);
          if (i < 0) {
            this.keepTail();
            return events;
          }
          this.buf = this.buf.subarray(i + this.delim.length);
          this.state = 'afterDelimiter';
          break;
        }
        case 'afterDelimiter': {
          if (this.buf.length < 2) return events;
          if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
            // "--" after a delimiter closes the body; anything after is epilogue.
            this.state = 'done';
            this.buf = Buffer.alloc(0);
            events.push({ type: 'end' });
            return events;
          }
          // Transport padding (spaces/tabs) may precede the CRLF.
          const i = this.buf.indexOf(CRLF);
          if (i < 0) {
            if (this.buf.length > 1024) throw new MultipartError('Malformed multipart delimiter line');
            return events;
          }
          if (this.buf.subarray(0, i).toString('latin1').trim() !== '') {
            throw new MultipartError('Malformed multipart delimiter line');
          }
          this.buf = this.buf.subarray(i + 2);
          this.state = 'headers';
          break;
        }
        case 'headers': {
          let headerText: string;
          if (this.buf.length >= 2 && this.buf[0] === 0x0d && this.buf[1] === 0x0a) {
            headerText = '';
            this.buf = this.buf.subarray(2);
          } else {
            const i = this.buf.indexOf(HEADER_END);
            if (i < 0) {
              if (this.buf.length > MAX_HEADER_BYTES) throw new MultipartError('Multipart part headers too large');
              return events;
            }
            headerText = this.buf.subarray(0, i).toString('utf8');
            this.buf = this.buf.subarray(i + 4);
          }
          const headers: Record<string, string> = {};
          for (const line of headerText.split('\r\n')) {
            const c = line.indexOf(':');
            if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
          }
          this.partCount++;
          events.push({ type: 'partStart', headers });
          this.state = 'body';
          break;
        }
        case 'body': {
          const i = this.buf.indexOf(this.delim);
          if (i < 0) {
            const safe = this.buf.length - (this.delim.length - 1);
            if (safe > 0) {
              events.push({ type: 'data', data: this.buf.subarray(0, safe) });
              this.buf = this.buf.subarray(safe);
            }
            return events;
          }
          if (i > 0) events.push({ type: 'data', data: this.buf.subarray(0, i) });
          events.push({ type: 'partEnd' });
          this.buf = this.buf.subarray(i + this.delim.length);
          this.state = 'afterDelimiter';
          break;
        }
        default:
          return events;
      }
    }
  }

  private keepTail(): void {
    const keep = this.delim.length - 1;
    if (this.buf.length > keep) this.buf = this.buf.subarray(this.buf.length - keep);
  }
}

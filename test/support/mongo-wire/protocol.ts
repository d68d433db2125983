import { deserialize, serialize } from 'bson';
import { isDoc, type Doc } from './util.js';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;

/** Same as the maxMessageSizeBytes we advertise in hello. */
export const MAX_MESSAGE_BYTES = 48_000_000;

const HEADER = 16;
const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;

export interface Request {
  requestId: number;
  opCode: number;
  /** The command, with OP_MSG document sequences merged in as arrays. */
  body: Doc;
  /** The client expects no reply (unacknowledged write). */
  moreToCome: boolean;
}

function readDoc(buf: Buffer, at: number): [Doc, number] {
  const size = buf.readInt32LE(at);
  return [deserialize(buf.subarray(at, at + size)), at + size];
}

function readCString(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at);
  if (end < 0) throw new Error('unterminated cstring');
  return [buf.toString('utf8', at, end), end + 1];
}

function parseOpMsg(msg: Buffer): { body: Doc; moreToCome: boolean } {
  const flags = msg.readUInt32LE(HEADER);
  const end = flags & CHECKSUM_PRESENT ? msg.length - 4 : msg.length;
  let at = HEADER + 4;
  let body: Doc | undefined;
  const sequences: [string, Doc[]][] = [];
  while (at < end) {
    const kind = msg[at++];
    if (kind === 0) {
      [body, at] = readDoc(msg, at);
    } else if (kind === 1) {
      const sectionEnd = at + msg.readInt32LE(at);
      let id: string;
      [id, at] = readCString(msg, at + 4);
      const docs: Doc[] = [];
      while (at < sectionEnd) {
        let doc: Doc;
        [doc, at] = readDoc(msg, at);
        docs.push(doc);
      }
      sequences.push([id, docs]);
    } else {
      throw new Error(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new Error('OP_MSG without a body section');
  for (const [id, docs] of sequences) {
    const prev = body[id];
    body[id] = Array.isArray(prev) ? [...(prev as unknown[]), ...docs] : docs;
  }
  return { body, moreToCome: (flags & MORE_TO_COME) !== 0 };
}

/** Legacy OP_QUERY: the driver only uses it for the first hello on a connection. */
function parseOpQuery(msg: Buffer): Doc {
  const [ns, at] = readCString(msg, HEADER + 4);
  let [query] = readDoc(msg, at + 8);
  // a read preference makes drivers wrap the command as { $query: cmd, $readPreference }
  if (isDoc(query.$query)) query = query.$query;
  query.$db ??= ns.split('.')[0];
  return query;
}

export function parseMessage(msg: Buffer): Request {
  const requestId = msg.readInt32LE(4);
  const opCode = msg.readInt32LE(12);
  if (opCode === OP_MSG) return { requestId, opCode, ...parseOpMsg(msg) };
  if (opCode === OP_QUERY) return { requestId, opCode, body: parseOpQuery(msg), moreToCome: false };
  throw new Error(`unsupported opcode ${opCode}`);
}

function header(buf: Buffer, requestId: number, responseTo: number, opCode: number): void {
  buf.writeInt32LE(buf.length, 0);
  buf.writeInt32LE(requestId, 4);
  buf.writeInt32LE(responseTo, 8);
  buf.writeInt32LE(opCode, 12);
}

/** A reply in the same dialect as the request: OP_REPLY for OP_QUERY, else OP_MSG. */
export function encodeReply(req: Request, requestId: number, body: Doc): Buffer {
  // undefined values (from projections or pipelines) would otherwise become null
  const doc = serialize(body, { ignoreUndefined: true });
  if (req.opCode === OP_QUERY) {
    const buf = Buffer.alloc(HEADER + 20 + doc.length);
    header(buf, requestId, req.requestId, OP_REPLY);
    buf.writeInt32LE(0, 16); // responseFlags
    buf.writeBigInt64LE(0n, 20); // cursorID
    buf.writeInt32LE(0, 28); // startingFrom
    buf.writeInt32LE(1, 32); // numberReturned
    buf.set(doc, 36);
    return buf;
  }
  const buf = Buffer.alloc(HEADER + 5 + doc.length);
  header(buf, requestId, req.requestId, OP_MSG);
  buf.writeUInt32LE(0, 16);
  buf[20] = 0; // section kind 0: the body
  buf.set(doc, 21);
  return buf;
}

/** Reassembles TCP chunks into whole wire messages. */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Returns the complete messages now available; throws on a nonsensical length. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) return out;
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : this.flatten();
      const len = head.readInt32LE(0);
      if (len < HEADER || len > MAX_MESSAGE_BYTES) throw new Error(`bad message length ${len}`);
      if (this.buffered < len) return out;
      const all = this.flatten();
      out.push(all.subarray(0, len));
      const rest = all.subarray(len);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
    }
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }
}

import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
/** Extended-protocol messages: after an error in one of these, the server discards input until Sync. */
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H', 'F']);

/**
 * A PostgreSQL wire-protocol bridge in front of one PGlite instance, so `pg` talks to the embedded database
 * exactly as to a server. PGlite is single-session: connections are served one at a time (others wait in line),
 * and a connection that closes inside a transaction is rolled back.
 *
 * Written here instead of using pglite-socket 0.2.11, which drops the connection on the query after any SQL error,
 * and because PGlite answers an errored extended-protocol message with an early ReadyForQuery (pglite#958),
 * which desynchronises `pg`: this bridge strips it and skips to Sync, as a real server does.
 *
 * PGlite also swallows a C++ exception thrown inside an extension (GEOS in PostGIS, pglite#916): the statement stops
 * where it was and an Execute answers PortalSuspended, even for maxRows 0, where a server never suspends. `pg` then
 * sends another Execute whose CommandComplete arrives after its query has ended ("unexpected commandComplete").
 * See `completeExecute`.
 */
export class PGliteBridge {
  private server = net.createServer((socket) => this.enqueue(socket));
  private line: net.Socket[] = [];
  private active: net.Socket | null = null;
  private closed = false;

  constructor(private db: PGlite) {}

  async listen(host = '127.0.0.1', port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve));
    const addr = this.server.address() as net.AddressInfo;
    return `postgres://postgres@${host}:${addr.port}/postgres?sslmode=disable`;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of [...this.line, this.active]) s?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private enqueue(socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    this.line.push(socket);
    socket.pause();
    socket.once('close', () => {
      this.line = this.line.filter((s) => s !== socket);
    });
    this.next();
  }

  private next() {
    if (this.active) return;
    const socket = this.line.shift();
    if (!socket) return;
    this.active = socket;
    void this.serve(socket).finally(async () => {
      if (!this.closed && this.db.isInTransaction()) await this.db.exec('ROLLBACK').catch(() => undefined);
      this.active = null;
      this.next();
    });
  }

  private serve(socket: net.Socket): Promise<void> {
    return new Promise((resolve) => {
      let buf = Buffer.alloc(0);
      let started = false;
      let skipUntilSync = false;
      let chain = Promise.resolve();
      socket.once('close', () => chain.then(() => resolve()));

      const handle = async (msg: Buffer) => {
        if (!started) {
          const code = msg.readInt32BE(4);
          if (code === SSL_REQUEST) return void socket.write('N');
          if (code === CANCEL_REQUEST) return void socket.end();
          started = true;
          return write(await this.db.execProtocolRaw(msg));
        }
        const type = String.fromCharCode(msg[0]);
        if (type === 'X') return void socket.end();
        if (skipUntilSync && type !== 'S') return;
        if (type === 'S') skipUntilSync = false;
        let out: Buffer = Buffer.from(await this.db.execProtocolRaw(refuseCopyFromStdin(msg)));
        if (type === 'E' && lastType(out) === 's' && msg.readInt32BE(msg.length - 4) === 0) out = await this.completeExecute(msg, out);
        else if (type in ANSWERS && !hasError(out) && ![...messages(out)].some(([t]) => ANSWERS[type].includes(t))) out = this.aborted();
        if (EXTENDED.has(type) && hasError(out)) {
          skipUntilSync = true;
          out = withoutReadyForQuery(out);
        }
        write(out);
      };
      const write = (data: Uint8Array) => {
        if (data.length && socket.writable) socket.write(data);
      };

      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          const len = messageLength(buf, started);
          if (len === 0 || buf.length < len) break;
          const msg = buf.subarray(0, len);
          buf = buf.subarray(len);
          chain = chain.then(() => handle(msg)).catch(() => void socket.destroy());
        }
      });
      socket.resume();
    });
  }

  /**
   * An Execute without a row limit was answered with PortalSuspended: keep executing the portal and merge the DataRows
   * until CommandComplete, as a server sends them. A suspension that returns no further rows is PGlite's swallowed
   * exception (re-executing suspends again, forever): its result is lost, so the client gets an error.
   */
  private async completeExecute(execute: Buffer, first: Buffer): Promise<Buffer> {
    const rows: Buffer[] = [];
    let out = first;
    while (lastType(out) === 's') {
      if (![...messages(out)].some(([t]) => t === 'D')) return this.aborted();
      for (const [t, a, b] of messages(out)) if (t !== 's') rows.push(out.subarray(a, b));
      out = Buffer.from(await this.db.execProtocolRaw(execute));
    }
    return Buffer.concat([...rows, out]);
  }

  /**
   * The client gets an ErrorResponse made here: PGlite cannot raise one itself until the next Sync (a statement run
   * before it is swallowed too). Its implicit transaction still commits at Sync; in a transaction block the client
   * rolls back, as after any error.
   */
  private aborted(): Buffer {
    const field = (code: string, text: string) => Buffer.from(`${code}${text}\0`);
    return message('E', Buffer.concat([field('S', 'ERROR'), field('V', 'ERROR'), field('C', 'XX000'), field('M', ABORTED), Buffer.from('\0')]));
  }
}

const ABORTED = 'the embedded database (PGlite) aborted this statement without an error, likely an exception inside PostGIS/GEOS (pglite#916); its result is lost. Run it on a PostgreSQL server (DATABASE_URL) to see the real outcome';

// PGlite cannot take COPY … FROM STDIN over the wire: the CopyData that follows kills the instance. Such a statement is
// swapped for one that fails with a clear error, so the client gets an ordinary SQL error (and an aborted
// transaction, as a server would leave it) instead of a dead database.
const COPY_FROM_STDIN = /\bcopy\b[^;]*\bfrom\s+stdin\b/i;
const REFUSAL = `DO $citylens$ BEGIN RAISE EXCEPTION USING ERRCODE = 'feature_not_supported', MESSAGE = 'COPY FROM STDIN is not supported by the embedded database: use INSERT, or a PostgreSQL server (DATABASE_URL)'; END $citylens$`;

export function refuseCopyFromStdin(msg: Buffer): Buffer {
  const type = String.fromCharCode(msg[0]);
  if (type === 'Q') {
    if (!COPY_FROM_STDIN.test(msg.toString('utf8', 5, msg.length - 1))) return msg;
    return message('Q', Buffer.from(`${REFUSAL}\0`));
  }
  if (type === 'P') {
    const nameEnd = msg.indexOf(0, 5);
    const queryEnd = msg.indexOf(0, nameEnd + 1);
    if (!COPY_FROM_STDIN.test(msg.toString('utf8', nameEnd + 1, queryEnd))) return msg;
    return message('P', Buffer.concat([msg.subarray(5, nameEnd + 1), Buffer.from(`${REFUSAL}\0`), Buffer.alloc(2)]));
  }
  return msg;
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function messageLength(buf: Buffer, started: boolean): number {
  if (!started) return buf.length >= 4 ? buf.readInt32BE(0) : 0;
  return buf.length >= 5 ? 1 + buf.readInt32BE(1) : 0;
}

function* messages(out: Buffer): Generator<[string, number, number]> {
  for (let i = 0; i + 5 <= out.length; ) {
    const len = 1 + out.readInt32BE(i + 1);
    yield [String.fromCharCode(out[i]), i, i + len];
    i += len;
  }
}

/**
 * What a server answers to Parse, Bind, Describe, Execute, Close when they succeed. A reply of PGlite with none of
 * these (and no ErrorResponse) is a statement it aborted silently, e.g. a Bind whose planning folded a PostGIS call.
 */
const ANSWERS: Record<string, string> = { P: '1', B: '2', D: 'Tn', E: 'CIs', C: '3' };

function lastType(out: Buffer): string {
  let last = '';
  for (const [t] of messages(out)) last = t;
  return last;
}

function hasError(out: Buffer): boolean {
  for (const [t] of messages(out)) if (t === 'E') return true;
  return false;
}

function withoutReadyForQuery(out: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [t, a, b] of messages(out)) if (t !== 'Z') parts.push(out.subarray(a, b));
  return Buffer.concat(parts);
}

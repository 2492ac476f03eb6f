/**
 * Reads the engine's build progress (newline-delimited JSON: `stream`, `status`, `aux`,
 * `error`) into whole log lines, and remembers what a failure message needs: the step being
 * run, the lines it printed, the error, and the built image's ID.
 */

interface BuildMessage {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

const TAIL_LINES = 20;

export class BuildLog {
  /** The current `Step N/M : INSTRUCTION` line. */
  step: string | undefined;
  /** The engine's error message, when the build failed. */
  error: string | undefined;
  /** `sha256:…` of the built image, from the `aux` message. */
  imageId: string | undefined;
  private tail: string[] = [];
  private pendingJson = '';
  private pendingText = '';

  /** `onLine` receives each complete log line (no trailing newline). */
  constructor(private readonly onLine: (line: string) => void) {}

  /** Feeds a raw chunk of the response body. */
  push(chunk: Buffer | string): void {
    this.pendingJson += chunk.toString();
    const lines = this.pendingJson.split('\n');
    this.pendingJson = lines.pop() ?? '';
    for (const line of lines) this.message(line);
  }

  /** Flushes what is left when the response ends. */
  end(): void {
    if (this.pendingJson.trim()) this.message(this.pendingJson);
    this.pendingJson = '';
    if (this.pendingText) this.line(this.pendingText);
    this.pendingText = '';
  }

  /** The last lines printed since the current step started (at most 20). */
  lastLines(): string[] {
    return [...this.tail];
  }

  private message(raw: string): void {
    if (!raw.trim()) return;
    let msg: BuildMessage;
    try {
      msg = JSON.parse(raw) as BuildMessage;
    } catch {
      this.text(`${raw}\n`);
      return;
    }
    if (msg.aux?.ID) this.imageId = msg.aux.ID;
    if (msg.stream !== undefined) this.text(msg.stream);
    // Pull progress for FROM: the status lines, not the per-layer progress bars.
    if (msg.status !== undefined && !msg.progress) this.text(`${msg.id ? `${msg.id}: ` : ''}${msg.status}\n`);
    if (msg.error !== undefined || msg.errorDetail?.message !== undefined) {
      this.error = (msg.errorDetail?.message ?? msg.error ?? '').trim();
      if (this.pendingText) this.line(this.pendingText);
      this.pendingText = '';
      // Shown, but kept out of the tail: the failure message states it once on its own.
      this.onLine(this.error);
    }
  }

  private text(text: string): void {
    const parts = (this.pendingText + text).split('\n');
    this.pendingText = parts.pop() ?? '';
    for (const part of parts) this.line(part.replace(/\r$/, ''));
  }

  private line(line: string): void {
    if (/^Step \d+\/\d+ : /.test(line)) {
      this.step = line;
      this.tail = [];
    } else {
      // The tail is for people: no colour codes (the builder paints stderr red), no builder chatter.
      const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
      if (plain.trim() !== '' && !/^ ---> |^Removing intermediate container /.test(plain)) {
        this.tail.push(plain);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      }
    }
    this.onLine(line);
  }
}

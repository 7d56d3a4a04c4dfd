/**
 * Timeline marks (M) kept as session notes, so they outlive a session switch
 * and a restart and show up wherever notes are listed. A mark is a note
 * attached to an event whose text starts with the word `mark`
 * (`mark #42 FAULT_READ`); removing the mark removes its note. Marks are
 * keyed by the event's seq and drawn at its time.
 */
import type { SessionNote } from '@shared/api/analysis';
import type { EventRow } from '@shared/events';

export interface Mark {
  readonly seq: number;
  /** Virtual ns of the marked event. */
  readonly t: number;
  readonly noteId: number;
}

const MARK_TEXT = /^mark(?:\s|$)/;

/** The note text of a mark on `e`. */
export const markNoteText = (e: Pick<EventRow, 'seq' | 'kind'>): string => `mark #${e.seq} ${e.kind}`;

/** A note that is a timeline mark: attached to an event, its text led by the word `mark`. */
export const isMarkNote = (n: SessionNote): boolean => n.seq !== null && n.t !== null && MARK_TEXT.test(n.text);

/** The marks among a session's notes, by time (one per event: the oldest note wins). */
export function marksFromNotes(notes: readonly SessionNote[]): Mark[] {
  const bySeq = new Map<number, Mark>();
  for (const n of [...notes].sort((a, b) => a.id - b.id)) if (isMarkNote(n) && !bySeq.has(n.seq!)) bySeq.set(n.seq!, { seq: n.seq!, t: n.t!, noteId: n.id });
  return [...bySeq.values()].sort((a, b) => a.t - b.t || a.seq - b.seq);
}

/** Where marks are stored: the session's notes. */
export interface MarkNotes {
  list(sessionId: number): Promise<readonly SessionNote[]>;
  /** Adds a note; null when the host refused it. */
  add(sessionId: number, seq: number, text: string): Promise<SessionNote | null>;
  remove(sessionId: number, noteId: number): Promise<void>;
}

/** The shown session's marks, mirrored from its notes. Plain data: the view reads times() when it paints. */
export class MarkBook {
  private marks: Mark[] = [];
  private sessionId: number | null = null;
  private generation = 0;
  /** Events whose mark is being added or removed (a second M waits for the first). */
  private readonly pending = new Set<number>();

  constructor(
    private readonly notes: MarkNotes,
    /** Called whenever the marks change. */
    private readonly onChange: () => void,
  ) {}

  /** Shows another session's marks (null: none); answers for a session no longer shown are dropped. */
  async load(sessionId: number | null): Promise<void> {
    const generation = ++this.generation;
    this.sessionId = sessionId;
    this.marks = [];
    this.pending.clear();
    this.onChange();
    if (sessionId === null) return;
    const notes = await this.notes.list(sessionId);
    if (generation !== this.generation) return;
    this.marks = marksFromNotes(notes);
    this.onChange();
  }

  get count(): number {
    return this.marks.length;
  }

  /** Marked times, ns, ascending. */
  times(): number[] {
    return this.marks.map((m) => m.t);
  }

  has(seq: number): boolean {
    return this.marks.some((m) => m.seq === seq);
  }

  /** Marks the event, or removes its mark (and the mark's note). */
  async toggle(e: Pick<EventRow, 'seq' | 't' | 'kind'>): Promise<void> {
    const sessionId = this.sessionId;
    if (sessionId === null || this.pending.has(e.seq)) return;
    const generation = this.generation;
    this.pending.add(e.seq);
    try {
      const existing = this.marks.find((m) => m.seq === e.seq);
      if (existing) {
        await this.notes.remove(sessionId, existing.noteId);
        if (generation !== this.generation) return;
        this.marks = this.marks.filter((m) => m !== existing);
      } else {
        const note = await this.notes.add(sessionId, e.seq, markNoteText(e));
        if (!note || generation !== this.generation) return;
        this.marks = marksFromNotes([...this.marks.map(asNote(sessionId)), note]);
      }
      this.onChange();
    } finally {
      if (generation === this.generation) this.pending.delete(e.seq);
    }
  }

  /** Removes every mark of the session (their notes too). */
  async clear(): Promise<void> {
    const sessionId = this.sessionId;
    if (sessionId === null) return;
    const generation = this.generation;
    for (const m of [...this.marks]) {
      await this.notes.remove(sessionId, m.noteId);
      if (generation !== this.generation) return;
      this.marks = this.marks.filter((x) => x !== m);
      this.onChange();
    }
  }
}

/** A mark as the note it came from (enough for marksFromNotes). */
const asNote =
  (sessionId: number) =>
  (m: Mark): SessionNote => ({ id: m.noteId, sessionId, seq: m.seq, t: m.t, text: 'mark', createdAt: '' });

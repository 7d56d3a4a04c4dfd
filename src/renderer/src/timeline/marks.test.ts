import { describe, expect, it } from 'vitest';
import type { SessionNote } from '@shared/api/analysis';
import { MarkBook, isMarkNote, markNoteText, marksFromNotes, type MarkNotes } from './marks';

const note = (id: number, seq: number | null, text: string, t: number | null = seq === null ? null : seq * 100): SessionNote => ({ id, sessionId: 1, seq, t, text, createdAt: '' });

/** Notes of several sessions kept in memory, as the host would. */
function memoryNotes(initial: SessionNote[] = []): MarkNotes & { all: SessionNote[] } {
  const all = [...initial];
  let nextId = 100;
  return {
    all,
    list: async (sessionId) => all.filter((n) => n.sessionId === sessionId),
    add: async (sessionId, seq, text) => {
      const n = { id: nextId++, sessionId, seq, t: seq * 100, text, createdAt: '' };
      all.push(n);
      return n;
    },
    remove: async (sessionId, noteId) => {
      const i = all.findIndex((n) => n.id === noteId && n.sessionId === sessionId);
      if (i < 0) throw new Error(`session ${sessionId} has no note ${noteId}`);
      all.splice(i, 1);
    },
  };
}

describe('marks ↔ notes', () => {
  it('a mark is a note on an event whose text starts with the word mark', () => {
    expect(markNoteText({ seq: 42, kind: 'FAULT_READ' })).toBe('mark #42 FAULT_READ');
    expect(isMarkNote(note(1, 42, markNoteText({ seq: 42, kind: 'FAULT_READ' })))).toBe(true);
    expect(isMarkNote(note(2, 42, 'mark'))).toBe(true);
    expect(isMarkNote(note(3, 42, 'marker of something'))).toBe(false);
    expect(isMarkNote(note(4, 42, 'see mark below'))).toBe(false);
    expect(isMarkNote(note(5, null, 'mark'))).toBe(false);
  });

  it('reads marks from notes by time, one per event', () => {
    const marks = marksFromNotes([note(3, 9, 'mark #9'), note(1, 2, 'mark #2'), note(2, 9, 'mark again'), note(4, 5, 'a plain note')]);
    expect(marks).toEqual([
      { seq: 2, t: 200, noteId: 1 },
      { seq: 9, t: 900, noteId: 2 },
    ]);
  });
});

describe('MarkBook', () => {
  it('toggling adds a note and removing the mark removes that note; marks come back when the session is shown again', async () => {
    const notes = memoryNotes([{ ...note(7, 3, 'a plain note'), sessionId: 1 }]);
    let changes = 0;
    const book = new MarkBook(notes, () => changes++);
    await book.load(1);
    expect(book.count).toBe(0);
    await book.toggle({ seq: 4, t: 400, kind: 'PRQ_ENQ' });
    await book.toggle({ seq: 8, t: 800, kind: 'FAULT_READ' });
    expect(book.times()).toEqual([400, 800]);
    expect(notes.all.filter((n) => n.text.startsWith('mark')).map((n) => [n.seq, n.text])).toEqual([
      [4, 'mark #4 PRQ_ENQ'],
      [8, 'mark #8 FAULT_READ'],
    ]);
    // Another session, then back: the marks are read from the notes.
    await book.load(2);
    expect(book.count).toBe(0);
    await book.load(1);
    expect(book.times()).toEqual([400, 800]);
    await book.toggle({ seq: 4, t: 400, kind: 'PRQ_ENQ' });
    expect(book.times()).toEqual([800]);
    expect(notes.all.map((n) => n.seq)).toEqual([3, 8]);
    expect(changes).toBeGreaterThan(4);
  });

  it('clear removes every mark note and leaves other notes alone', async () => {
    const notes = memoryNotes([note(1, 2, 'mark #2'), note(2, 5, 'mark #5'), note(3, 5, 'why is this slow?')]);
    const book = new MarkBook(notes, () => undefined);
    await book.load(1);
    expect(book.count).toBe(2);
    await book.clear();
    expect(book.count).toBe(0);
    expect(notes.all.map((n) => n.text)).toEqual(['why is this slow?']);
  });

  it('drops a late answer for a session no longer shown', async () => {
    const notes = memoryNotes([note(1, 2, 'mark #2'), { ...note(2, 5, 'mark #5'), sessionId: 2 }]);
    const releases: (() => void)[] = [];
    const slow: MarkNotes = { ...notes, list: (id) => new Promise((r) => releases.push(() => r(notes.list(id)))) };
    const book = new MarkBook(slow, () => undefined);
    const first = book.load(1);
    const second = book.load(2);
    // Session 2 answers first, then session 1's late answer arrives.
    releases[1]!();
    await second;
    releases[0]!();
    await first;
    expect(book.times()).toEqual([500]);
  });
});

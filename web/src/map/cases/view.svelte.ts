/**
 * The cases as the views see them: the store filtered by mapState.caseFilters (one list for the map and the
 * case list), the selected row, and the wiring that loads the feed and keeps it live for the current token.
 */
import { live } from '../../lib/live.svelte.ts';
import { session } from '../../lib/session.svelte.ts';
import { mapState } from '../state.svelte.ts';
import { filterRows } from './filter.ts';
import { caseStore } from './store.svelte.ts';

live.subscribe((batch) => {
  caseStore.apply(batch);
  // A change to a case the snapshot lacks (dispatched to a department token's own department just now):
  // take a fresh snapshot, at most once a minute.
  if (batch.some((e) => e.caseId && (e.type === 'case.updated' || e.type === 'case.light') && caseStore.row(e.caseId) === undefined)) caseView.refreshSoon();
});

class CaseView {
  /** Minute clock, so "today" rolls over at midnight without a reload. */
  private minute = $state(Date.now());
  private loadedFor = '';

  /** Rows passing the filters, oldest first (raw typed array; never proxied). */
  rows = $derived.by(() => {
    void caseStore.version;
    return filterRows(caseStore, mapState.caseFilters, this.minute);
  });

  selectedRow = $derived.by(() => {
    void caseStore.version;
    const id = mapState.selectedCase;
    return id ? caseStore.row(id) : undefined;
  });

  constructor() {
    setInterval(() => (this.minute = Date.now()), 60_000);
  }

  /**
   * Loads the feed for the session's token (again when it changes: department staff see their own cases
   * only) and streams from its snapshot on.
   */
  async connect(): Promise<void> {
    const token = session.token;
    if (this.loadedFor !== token || !caseStore.loaded) {
      this.loadedFor = token;
      live.stop();
      await caseStore.load();
    }
    live.start(token, caseStore.resumeAfter);
  }

  /**
   * A fresh snapshot, then the stream again from it. Views that run for days call this now and then: writes
   * that append no event (a bulk import) reach the map this way.
   */
  refresh(): Promise<void> {
    this.loadedFor = '';
    return this.connect();
  }

  private lastRefresh = 0;
  private pending: ReturnType<typeof setTimeout> | undefined;
  refreshSoon() {
    if (this.pending || !caseStore.loaded) return;
    const wait = Math.max(2000, 60_000 - (Date.now() - this.lastRefresh));
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.lastRefresh = Date.now();
      this.refresh().catch(() => undefined);
    }, wait);
  }
}

export const caseView = new CaseView();

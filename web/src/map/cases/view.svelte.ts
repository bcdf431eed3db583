/**
 * The cases as the views see them: the store filtered by mapState.caseFilters (one list for the map and the
 * case list), the selected row, and the wiring that loads the feed and keeps it live for the current token.
 */
import { live } from '../../lib/live.svelte.ts';
import { session } from '../../lib/session.svelte.ts';
import { mapState } from '../state.svelte.ts';
import { filterRows } from './filter.ts';
import { caseStore } from './store.svelte.ts';

live.subscribe((batch) => caseStore.apply(batch));

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
}

export const caseView = new CaseView();

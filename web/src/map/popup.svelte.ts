/**
 * The feature popup: a MapLibre Popup whose content is the SelectionCard component, following
 * mapState.selection. Closing the popup clears the selection.
 */
import { Popup, type Map as MapLibreMap } from 'maplibre-gl';
import { mount, unmount } from 'svelte';
import SelectionCard from './SelectionCard.svelte';
import { mapState } from './state.svelte.ts';

export function createSelectionPopup(map: MapLibreMap) {
  const content = document.createElement('div');
  const card = mount(SelectionCard, { target: content });
  const popup = new Popup({ closeButton: true, closeOnClick: false, maxWidth: '340px', offset: 8, className: 'cl-popup' });
  popup.setDOMContent(content);
  let open = false;
  popup.on('close', () => {
    open = false;
    if (mapState.selection) mapState.select(null);
  });

  const stop = $effect.root(() => {
    $effect(() => {
      const sel = mapState.selection;
      if (!sel) {
        if (open) popup.remove();
        return;
      }
      popup.setLngLat(sel.lngLat);
      if (!open) {
        popup.addTo(map);
        open = true;
      }
    });
  });

  return {
    destroy() {
      stop();
      popup.remove();
      void unmount(card);
    },
  };
}

/** Colours of the analysis overlays, shared by the map layers and the legend. */
export const REPEAT_COLOR = { reached: '#c2255c', pending: '#f59f00' } as const;
export const HOT_GRID_COLOR = '#d6336c';

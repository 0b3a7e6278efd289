// Refreshing a view while it is on screen: `load` runs now, then every `ms` while the browser
// tab is visible, and at once when the tab becomes visible again.
import {useEffect, useRef} from '/vendor/htm-preact.js';

export function usePolling(load, ms) {
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let timer = null, stopped = false;
    const tick = async () => {
      clearTimeout(timer);
      if (document.visibilityState === 'visible') {
        try { await latest.current(); } catch { /* the view shows its own errors */ }
      }
      if (!stopped) timer = setTimeout(tick, ms);
    };
    const onVisible = () => { if (document.visibilityState === 'visible') tick(); };
    document.addEventListener('visibilitychange', onVisible);
    tick();
    return () => { stopped = true; clearTimeout(timer); document.removeEventListener('visibilitychange', onVisible); };
  }, [ms]);
}

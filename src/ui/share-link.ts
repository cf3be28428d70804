/**
 * A share link pasted into a tab that is already open changes only the URL's hash: no load happens,
 * only a `hashchange` event (issue 13). This applies each new hash the way the first load applies
 * it; an empty one ("#" or none) changes nothing. Returns the function that stops listening.
 */
export function followShareLinks(apply: (hash: string) => void, target: Window = window): () => void {
  const follow = (): void => {
    const hash = target.location.hash;
    if (hash.length > 1) apply(hash);
  };
  target.addEventListener('hashchange', follow);
  return () => target.removeEventListener('hashchange', follow);
}

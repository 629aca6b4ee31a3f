import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useRef } from "react";

/**
 * The photo open in the viewer lives in the URL (`?photo=<id>`): a reload reopens it and Back
 * closes it. Opening pushes a history entry; moving to the next photo replaces it; closing goes
 * back when this page opened it, and otherwise (a reload, a shared link) drops the parameter.
 */
export function useOpenPhoto() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const openedHere = useRef(false);
  const photoId = params.get("photo");

  const urlWith = useCallback(
    (id: string | null) => {
      const next = new URLSearchParams(params.toString());
      if (id) next.set("photo", id);
      else next.delete("photo");
      const query = next.toString();
      return query ? `${pathname}?${query}` : pathname;
    },
    [params, pathname],
  );

  return {
    photoId,
    open: useCallback(
      (id: string) => {
        openedHere.current = true;
        router.push(urlWith(id), { scroll: false });
      },
      [router, urlWith],
    ),
    show: useCallback((id: string) => router.replace(urlWith(id), { scroll: false }), [router, urlWith]),
    close: useCallback(() => {
      if (openedHere.current) {
        openedHere.current = false;
        router.back();
      } else {
        router.replace(urlWith(null), { scroll: false });
      }
    }, [router, urlWith]),
  };
}

"use client";

// First: zod decides at schema construction whether it may use eval (zod-config.ts).
import "@/lib/zod-config";
import { QueryClientProvider } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { Toaster } from "sonner";
import { SessionSync } from "@/components/session/SessionSync";
import { createQueryClient } from "@/lib/query-client";

/** Sonner's dark theme, recoloured with the app's surface tokens (globals.css). */
const TOAST_STYLE = {
  background: "var(--color-raised)",
  borderColor: "var(--color-line)",
  color: "var(--color-fg)",
} as const;

export function Providers({ children }: { children: ReactNode }) {
  // One client per browser tab; useState keeps it across re-renders without a module singleton.
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <SessionSync />
      {children}
      {/* Bottom centre: the header stays readable and the upload panel will own the bottom-right corner. */}
      <Toaster theme="dark" position="bottom-center" closeButton toastOptions={{ style: TOAST_STYLE }} />
    </QueryClientProvider>
  );
}

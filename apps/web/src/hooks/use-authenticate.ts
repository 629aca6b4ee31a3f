import type { AuthResponse, Credentials, LoginRequest } from "@rapidphoto/protocol";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { login, meQueryKey, register } from "@/lib/api/auth";
import { signIn } from "@/lib/session/session-store";

export type AuthMode = "login" | "register";

/**
 * Signs in or registers and stores the session. The auth pages' <RedirectIfSignedIn> then opens the
 * library: one place decides where a signed-in person goes, whichever tab signed them in.
 */
export function useAuthenticate(mode: AuthMode) {
  const queryClient = useQueryClient();

  return useMutation<AuthResponse, Error, Credentials | LoginRequest>({
    mutationFn: (credentials) => (mode === "register" ? register(credentials) : login(credentials)),
    onSuccess(auth) {
      const session = signIn(auth);
      // The answer already says who this is: no need for the library to ask /me again right away.
      queryClient.setQueryData(meQueryKey(session.token), { userId: auth.userId, email: auth.email });
    },
  });
}

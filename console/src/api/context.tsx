// What every screen shares: the typed API, the session and the stack's sign-in settings.
import { createContext, useContext } from "react";
import type { Api } from "./client";
import type { Session } from "../auth/session";
import type { OidcSettings } from "../auth/pkce";

export interface ConsoleConfig { sign_in: "development" | "oidc"; oidc: OidcSettings | null }

export interface ConsoleContext {
  api: Api;
  session: Session | null;
  signIn(token: string): void;
  signOut(): void;
  config: ConsoleConfig;
}

export const Context = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const value = useContext(Context);
  if (!value) throw new Error("useConsole outside the console");
  return value;
}

// One typed client per service, all through the console's origin (`/api/<service>`).
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths as CallsPaths } from "./generated/calls";
import type { paths as ApplicationsPaths } from "./generated/applications";
import type { paths as PaymentsPaths } from "./generated/payments";
import type { paths as ReportingPaths } from "./generated/reporting";
import { toProblem } from "./problem";

export interface Api {
  calls: Client<CallsPaths>;
  applications: Client<ApplicationsPaths>;
  payments: Client<PaymentsPaths>;
  reporting: Client<ReportingPaths>;
}

export function makeApi(token: () => string | null, origin = ""): Api {
  const bearer: Middleware = {
    onRequest({ request }) {
      const value = token();
      if (value) request.headers.set("Authorization", `Bearer ${value}`);
      return request;
    },
  };
  function client<P extends object>(service: string): Client<P> {
    const made = createClient<P>({ baseUrl: `${origin}/api/${service}` });
    made.use(bearer);
    return made;
  }
  return {
    calls: client<CallsPaths>("calls"),
    applications: client<ApplicationsPaths>("applications"),
    payments: client<PaymentsPaths>("payments"),
    reporting: client<ReportingPaths>("reporting"),
  };
}

interface Answer<T> { data?: T; error?: unknown; response: Response }

/** The data of a successful answer, its problem thrown otherwise; with the ETag's version. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch {
    throw toProblem(0, null);
  }
  if (!answer.response.ok || answer.data === undefined) throw toProblem(answer.response.status, answer.error);
  return answer.data;
}

/** The programme objectives the APIs know (from the calls service's document). */
export type Objective = NonNullable<import("./generated/calls").components["schemas"]["DraftCall"]["objectives"]>[number];

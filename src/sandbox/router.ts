/** Matches a method and path to a route. Static segments win over parameters (users/search vs users/:id). */
import type { Route } from './context.js';

export interface Match {
  route: Route;
  params: Record<string, string>;
}

export class Router {
  private routes: { route: Route; segments: string[] }[] = [];

  add(routes: Route[]): void {
    for (const route of routes)
      this.routes.push({ route, segments: route.pattern.split('/').filter(Boolean) });
  }

  /** `undefined` when no pattern matches the path, whatever the method (Zendesk: InvalidEndpoint). */
  match(method: string, path: string): Match | undefined {
    const parts = path.split('/').filter(Boolean);
    let best: { match: Match; score: number } | undefined;
    for (const { route, segments } of this.routes) {
      if (route.method !== method || segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let score = 0;
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const seg = segments[i] as string;
        const part = decodeURIComponent(parts[i] as string);
        if (seg === ':id') {
          ok = /^\d+$/.test(part);
          params.id = part;
        } else if (seg.startsWith(':')) {
          params[seg.slice(1)] = part;
        } else {
          ok = seg === part;
          score++;
        }
      }
      if (ok && (!best || score > best.score)) best = { match: { route, params }, score };
    }
    return best?.match;
  }
}

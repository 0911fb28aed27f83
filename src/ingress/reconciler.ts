// One reconcile = render everything from the informers' caches, hand it to nginx (which reloads
// only on a difference), then bring the objects' status in line. Changes arriving meanwhile are
// coalesced into one more pass.
import { isDeepStrictEqual } from 'node:util';
import type { Gateway, GatewayClass, HTTPRoute, Ingress } from '../api/networking.js';
import { types } from '../api/resources.js';
import { timestamp, type KubeObject } from '../api/types.js';
import { isConflict, isNotFound, type ApiClient } from '../client/client.js';
import { buildModel, GATEWAY_CONTROLLER, ourGateways, ourIngresses, type Cluster } from './model.js';
import { renderNginx, type RenderOptions } from './nginx-config.js';
import type { NginxProcess } from './nginx.js';
import { gatewayClassConditions, gatewayStatus, httpRouteParents, ingressStatus, ownsGatewayClass, withTimes } from './status.js';

export interface ReconcilerOptions {
  client: ApiClient;
  nginx: NginxProcess;
  className: string;
  snapshot(): Cluster;
  publishAddress(): string | undefined;
  render: Omit<RenderOptions, 'dir'>;
}

export class Reconciler {
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;
  reloads = 0;

  constructor(private readonly o: ReconcilerOptions) {}

  /** Schedules a pass (50 ms later, so a burst of events makes one). */
  trigger(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pass();
    }, 50);
  }

  private async pass(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      await this.reconcile();
    } catch (e) {
      console.error(`ingress-controller: sync failed: ${(e as Error).message}`);
      setTimeout(() => this.trigger(), 1000);
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.trigger();
      }
    }
  }

  private async reconcile(): Promise<void> {
    const c = this.o.snapshot();
    const model = buildModel(c, this.o.className);
    const config = renderNginx(model, { ...this.o.render, dir: this.o.nginx.dir });
    const result = await this.o.nginx.apply(config, model.certificates);
    if (result.error) console.error(`ingress-controller: nginx refused the new configuration, keeping the running one:\n${result.error}`);
    else if (result.changed) console.log(`ingress-controller: configuration ${this.reloads++ === 0 ? 'loaded' : 'reloaded'} (${model.hosts.length} servers, ${model.upstreams.size} upstreams)`);
    await this.writeStatus(c);
  }

  private async putStatus(t: typeof types.ingresses, obj: KubeObject, status: unknown): Promise<void> {
    if (isDeepStrictEqual(obj.status, status)) return;
    try {
      await this.o.client.update(t, { ...obj, status }, 'status');
    } catch (e) {
      // Gone, or changed meanwhile: its watch event brings another pass.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private async writeStatus(c: Cluster): Promise<void> {
    const address = this.o.publishAddress();
    const now = timestamp();
    for (const ing of ourIngresses(c, this.o.className)) await this.putStatus(types.ingresses, ing, { ...(ing.status ?? {}), ...ingressStatus(address) } as Ingress['status']);
    for (const gc of c.gatewayClasses.filter(ownsGatewayClass)) {
      await this.putStatus(types.gatewayclasses, gc, { ...(gc.status ?? {}), conditions: withTimes(gatewayClassConditions(gc as GatewayClass), gc.status?.conditions, now) });
    }
    for (const gw of ourGateways(c)) {
      const s = gatewayStatus(c, gw, address);
      const listeners = s.listeners.map((l) => ({ ...l, conditions: withTimes(l.conditions, gw.status?.listeners?.find((x) => x.name === l.name)?.conditions, now) }));
      await this.putStatus(types.gateways, gw, { ...(s.addresses ? { addresses: s.addresses } : {}), conditions: withTimes(s.conditions, gw.status?.conditions, now), listeners } as Gateway['status']);
    }
    for (const route of c.httpRoutes) {
      const ours = httpRouteParents(c, route).map((p) => {
        const before = route.status?.parents?.find((x) => x.controllerName === GATEWAY_CONTROLLER && isDeepStrictEqual(x.parentRef, p.parentRef));
        return { ...p, conditions: withTimes(p.conditions, before?.conditions, now) };
      });
      // Entries of other controllers stay as they are.
      const others = (route.status?.parents ?? []).filter((x) => x.controllerName !== GATEWAY_CONTROLLER);
      if (ours.length === 0 && others.length === (route.status?.parents ?? []).length) continue;
      await this.putStatus(types.httproutes, route, { parents: [...others, ...ours] } as HTTPRoute['status']);
    }
  }
}

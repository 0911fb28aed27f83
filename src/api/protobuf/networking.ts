// networking.k8s.io/v1 messages: Ingress and IngressClass (what `kubectl create ingress` sends).
import type { Package } from './describe.js';

export const networking: Package = {
  name: 'networking',
  messages: {
    Ingress: { metadata: '1 meta.ObjectMeta', spec: '2 IngressSpec', status: '3 IngressStatus' },
    IngressSpec: { ingressClassName: '4 string?', defaultBackend: '1 IngressBackend', tls: '2 []IngressTLS', rules: '3 []IngressRule' },
    IngressBackend: { service: '4 IngressServiceBackend', resource: '3 TypedLocalObjectReference' },
    IngressServiceBackend: { name: '1 string', port: '2 ServiceBackendPort' },
    ServiceBackendPort: { name: '1 string', number: '2 int32' },
    TypedLocalObjectReference: { apiGroup: '1 string?', kind: '2 string', name: '3 string' },
    IngressTLS: { hosts: '1 []string', secretName: '2 string' },
    // IngressRuleValue is embedded in IngressRule: its http field sits beside host in JSON.
    IngressRule: { host: '1 string', ingressRuleValue: '2 ...IngressRuleValue' },
    IngressRuleValue: { http: '1 HTTPIngressRuleValue' },
    HTTPIngressRuleValue: { paths: '1 []HTTPIngressPath' },
    HTTPIngressPath: { path: '1 string', pathType: '3 string?', backend: '2 IngressBackend' },
    IngressStatus: { loadBalancer: '1 IngressLoadBalancerStatus' },
    IngressLoadBalancerStatus: { ingress: '1 []IngressLoadBalancerIngress' },
    IngressLoadBalancerIngress: { ip: '1 string', hostname: '2 string', ports: '4 []IngressPortStatus' },
    IngressPortStatus: { port: '1 int32', protocol: '2 string', error: '3 string?' },
    IngressClass: { metadata: '1 meta.ObjectMeta', spec: '2 IngressClassSpec' },
    IngressClassSpec: { controller: '1 string', parameters: '2 IngressClassParametersReference' },
    IngressClassParametersReference: { apiGroup: '1 string?', kind: '2 string', name: '3 string', scope: '4 string?', namespace: '5 string?' },
  },
};

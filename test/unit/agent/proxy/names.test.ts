import test from 'ava';
import { endpointChain, portProtoHash, serviceChains } from '../../../../src/agent/proxy/iptables/names.js';
import { endpointNames, serviceChainNames } from '../../../../src/agent/proxy/nftables/names.js';

test('iptables chain hashes are base32 of sha256 of the port name and protocol, like kube-proxy', (t) => {
  t.is(portProtoHash('ns1/svc1:p80', 'tcp'), 'XPGD46QRK7WJZT7O');
  t.deepEqual(serviceChains('ns1/svc1:p80', 'tcp'), {
    cluster: 'KUBE-SVC-XPGD46QRK7WJZT7O',
    local: 'KUBE-SVL-XPGD46QRK7WJZT7O',
    external: 'KUBE-EXT-XPGD46QRK7WJZT7O',
    firewall: 'KUBE-FW-XPGD46QRK7WJZT7O',
  });
  // Upstream's proxier tests name this endpoint chain for ns1/svc1:p80 -> 10.180.0.1:80.
  t.is(endpointChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
  t.regex(endpointChain('ns1/svc1:p80', 'udp', '10.180.0.1:80'), /^KUBE-SEP-[A-Z2-7]{16}$/);
});

test('nftables chain names carry an 8-character hash and the readable service and endpoint', (t) => {
  t.is(serviceChainNames('ns1', 'svc1', 'tcp', 'p80').cluster, 'service-ULMVA6XW-ns1/svc1/tcp/p80');
  t.is(serviceChainNames('ns1', 'svc1', 'tcp', 'p80').external, 'external-ULMVA6XW-ns1/svc1/tcp/p80');
  t.deepEqual(endpointNames('ns1', 'svc1', 'tcp', 'p80', '10.180.0.1', 80), {
    chain: 'endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80',
    affinitySet: 'affinity-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80',
  });
});

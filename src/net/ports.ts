// Well-known ports of Kubernetes components (upstream's pkg/cluster/ports).
/** The kubelet's API over TLS (ports.KubeletPort). */
export const kubeletPort = 10250;

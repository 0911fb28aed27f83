// The seed tutorials' manifests, byte for byte as the tutorials print them (only
// those complete enough to apply), so tests apply exactly what a student types.

/** Seed 000: the Service with a selector. */
export const selector = `kind: Service
apiVersion: v1
metadata:
  name: my-service
spec:
  selector:
    app: MyApp
  ports:
  - protocol: TCP
    port: 80
    targetPort: 9376
`;

/** Seed 000: the Service without a selector. */
export const noSelector = `kind: Service
apiVersion: v1
metadata:
  name: my-service
spec:
  ports:
  - protocol: TCP
    port: 80
    targetPort: 9376
`;

/** Seed 000: its hand-made Endpoints. */
export const endpoints = `kind: Endpoints
apiVersion: v1
metadata:
  name: my-service
subsets:
  - addresses:
      - ip: 1.2.3.4
    ports:
      - port: 9376
`;

/** Seed 000: the ExternalName Service in namespace prod. */
export const externalNameProd = `kind: Service
apiVersion: v1
metadata:
  name: my-service
  namespace: prod
spec:
  type: ExternalName
  externalName: my.database.example.com
`;

/** Seed 000: the multi-port Service. */
export const multiPort = `kind: Service
apiVersion: v1
metadata:
  name: my-service
spec:
  selector:
    app: MyApp
  ports:
  - name: http
    protocol: TCP
    port: 80
    targetPort: 9376
  - name: https
    protocol: TCP
    port: 443
    targetPort: 9377
`;

/** Seed 000: the LoadBalancer Service (a cluster IP outside this cluster's range). */
export const loadBalancer = `kind: Service
apiVersion: v1
metadata:
  name: my-service
spec:
  selector:
    app: MyApp
  ports:
  - protocol: TCP
    port: 80
    targetPort: 9376
  clusterIP: 10.0.171.239
  loadBalancerIP: 78.11.24.19
  type: LoadBalancer
status:
  loadBalancer:
    ingress:
    - ip: 146.148.47.155
`;

/** Seed 001: the Service without a selector. */
export const noSelector001 = `apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  ports:
    - protocol: TCP
      port: 80
      targetPort: 9376
`;

/** Seed 001: its Endpoints pointing at 192.0.2.42. */
export const endpoints001 = `apiVersion: v1
kind: Endpoints
metadata:
  name: my-service
subsets:
  - addresses:
      - ip: 192.0.2.42
    ports:
      - port: 9376
`;

/** Seed 004: the ms-bye Deployment. */
export const byeDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: ms-bye-dep
  name: ms-bye-dep
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ms-bye-pods
  template:
    metadata:
      labels:
        app: ms-bye-pods
    spec:
      containers:
      - image: pgolard/ms-bye:v4
        name: ms-bye
        ports:
        - containerPort: 9999
`;

/** Seed 004: the ms-hello Deployment. */
export const helloDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: ms-hello-dep
  name: ms-hello-dep
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ms-hello-pods
  template:
    metadata:
      labels:
        app: ms-hello-pods
    spec:
      containers:
      - image: pgolard/ms-hello:v4
        name: ms-hello
        ports:
        - containerPort: 7777
`;

/** Seed 004: ms-bye-svc and ms-hello-svc. */
export const byeHelloServices = `apiVersion: v1
kind: Service
metadata:
  labels:
    app: ms-bye-dep
  name: ms-bye-svc
spec:
  ports:
  - port: 19
    protocol: TCP
    targetPort: 9999
  selector:
    app: ms-bye-pods
  type: ClusterIP
---
apiVersion: v1
kind: Service
metadata:
  labels:
    app: ms-hello-dep
  name: ms-hello-svc
spec:
  ports:
  - port: 17
    protocol: TCP
    targetPort: 7777
  selector:
    app: ms-hello-pods
  type: ClusterIP
`;

/** Seed 004: streamset-service and its Endpoints (a server outside the cluster). */
export const streamset = `---
kind: Service
apiVersion: v1
metadata:
  name: streamset-service
spec:
  ports:
  - protocol: TCP
    port: 9090
    targetPort: 9090
---
kind: Endpoints
apiVersion: v1
metadata:
  name: streamset-service
subsets:
  - addresses:
      - ip: 172.29.16.8
    ports:
      - port: 9090
`;

/** Seed 004: ext-api-svc as an ExternalName for google.com. */
export const extApiExternalName = `apiVersion: v1
kind: Service
metadata:
  name: ext-api-svc
spec:
  type: ExternalName
  externalName: google.com
  ports:
  - port: 80
`;

/** Seed 004: ext-api-svc migrated to a ClusterIP Service over nginx pods. */
export const extApiClusterIP = `apiVersion: v1
kind: Service
metadata:
  name: ext-api-svc
spec:
  selector:
    app: nginx
  ports:
    - name: "80"
      port: 80
      targetPort: 80
  type: ClusterIP
`;

/** Seed 004: the mysql ExternalName (its name has an en dash). */
export const mysql = `kind: Service
apiVersion: v1
metadata:
  name: mysql
spec:
  type: ExternalName
  externalName: mysql–instance1.123456789012.us-east-1.rds.amazonaws.com
`;

/** Seed 004: headless-hello-svc. */
export const headless = `apiVersion: v1
kind: Service
metadata:
  labels:
    app: ms-hello-dep
  name: headless-hello-svc
spec:
  clusterIP: None
  ports:
  - port: 17
    protocol: TCP
    targetPort: 7777
  selector:
    app: ms-hello-pods
`;

/** Seed 004: np-hello-svc, NodePort 31000. */
export const nodePort = `apiVersion: v1
kind: Service
metadata:
  labels:
    app: ms-hello-dep
  name: np-hello-svc
spec:
  ports:
  - port: 17
    protocol: TCP
    targetPort: 7777
    nodePort: 31000
  selector:
    app: ms-hello-pods
  type: NodePort
`;

/** Seed 004: the multi-port Service with nodePorts but no type. */
export const nodePortsWithoutType = `kind: Service
apiVersion: v1
metadata:
  name: my-service
spec:
  selector:
    app: MyApp
  ports:
    - name: http
      nodePort: 30475
      port: 8089
      protocol: TCP
      targetPort: 8080
    - name: metrics
      nodePort: 31261
      port: 5555
      protocol: TCP
      targetPort: 5555
    - name: health
      nodePort: 30013
      port: 8443
      protocol: TCP
      targetPort: 8085
`;

/** Seed 004: the two-container mc-mornaft Deployment. */
export const mornAftDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: mc-mornaft-dep
  name: mc-mornaft-dep
spec:
  replicas: 2
  selector:
    matchLabels:
      app: mc-mornaft-pods
  template:
    metadata:
      labels:
        app: mc-mornaft-pods
    spec:
      containers:
      - image: pgolard/multcont-morning:v3
        name: multcont-morning
        ports:
        - containerPort: 1234
      - image: pgolard/multcont-afternoon:v3
        name: multcont-afternoon
        ports:
        - containerPort: 4321
`;

/** Seed 004: mc-mornaft-svc, one port per container. */
export const mornAftService = `apiVersion: v1
kind: Service
metadata:
  labels:
    app: mc-mornaft-dep
  name: mc-mornaft-svc
spec:
  ports:
  - name: morning
    port: 1234
    protocol: TCP
    targetPort: 1234
  - name: afternoon
    port: 4321
    protocol: TCP
    targetPort: 4321
  selector:
    app: mc-mornaft-pods
  type: ClusterIP

`;

// apimachinery messages: object metadata, runtime.Unknown (the envelope of every
// protobuf body), and the special values (Time, IntOrString, Quantity).
import type { Package } from './describe.js';

export const meta: Package = {
  name: 'meta',
  messages: {
    TypeMeta: { apiVersion: '1 string', kind: '2 string' },
    Unknown: { typeMeta: '1 TypeMeta', raw: '2 bytes', contentEncoding: '3 string', contentType: '4 string' },
    RawExtension: { raw: '1 bytes' },
    Time: { seconds: '1 int64', nanos: '2 int32' },
    MicroTime: { seconds: '1 int64', nanos: '2 int32' },
    IntOrString: { type: '1 int64', intVal: '2 int32', strVal: '3 string' },
    Quantity: { string: '1 string' },
    FieldsV1: { Raw: '1 bytes' },
    ObjectMeta: {
      name: '1 string',
      generateName: '2 string',
      namespace: '3 string',
      selfLink: '4 string',
      uid: '5 string',
      resourceVersion: '6 string',
      generation: '7 int64',
      creationTimestamp: '8 Time',
      deletionTimestamp: '9 Time',
      deletionGracePeriodSeconds: '10 int64?',
      labels: '11 map<string,string>',
      annotations: '12 map<string,string>',
      ownerReferences: '13 []OwnerReference',
      finalizers: '14 []string',
      managedFields: '17 []ManagedFieldsEntry',
    },
    OwnerReference: { apiVersion: '5 string', kind: '1 string', name: '3 string', uid: '4 string', controller: '6 bool?', blockOwnerDeletion: '7 bool?' },
    ManagedFieldsEntry: { manager: '1 string', operation: '2 string', apiVersion: '3 string', time: '4 Time', fieldsType: '6 string', fieldsV1: '7 FieldsV1', subresource: '8 string' },
    LabelSelector: { matchLabels: '1 map<string,string>', matchExpressions: '2 []LabelSelectorRequirement' },
    LabelSelectorRequirement: { key: '1 string', operator: '2 string', values: '3 []string' },
    Condition: { type: '1 string', status: '2 string', observedGeneration: '3 int64', lastTransitionTime: '4 Time', reason: '5 string', message: '6 string' },
  },
};

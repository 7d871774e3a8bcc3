/**
 * IP addresses and CIDR ranges, as a NetworkPolicy `ipBlock` and a ServiceEntry's `addresses`
 * name them: the model reads them with the library's one implementation (core/cidr.ts).
 * https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#IPBlock
 */
export { inCidr, isIpAddress } from '../../core/cidr';

// Package servicelb is Nauta's built-in load balancer for Services of type
// LoadBalancer: it publishes the addresses of the cluster's ready nodes as
// status.loadBalancer.ingress, and the proxy on every node forwards
// traffic arriving at those addresses on the Service's ports. Services
// with spec.loadBalancerClass belong to another implementation and are
// left alone; turn the controller off (--disable-service-lb) to bring your
// own for every Service.
//
// Like upstream's service controller it guards a load-balanced Service
// with the service.kubernetes.io/load-balancer-cleanup finalizer and clears
// the status before letting the Service go or change type.
package servicelb

// Package endpoints holds the core/v1 endpoints resource: port protocol
// defaults, subset/address/port validation and the ENDPOINTS table column
// ("10.0.0.1:80,10.0.0.2:80 + 1 more..."). The endpoints controller that
// fills them lives elsewhere. No I/O.
package endpoints

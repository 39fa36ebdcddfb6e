// Package limitrange holds the core/v1 limitranges resource: the container
// default/defaultRequest filling from max/min, the min <= default <= max
// validation, and upstream's default (NAME, CREATED AT) table. Applying
// limits to pods is admission's job, elsewhere. No I/O.
package limitrange

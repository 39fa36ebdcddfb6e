package inprocess

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/nauta/nauta/internal/apischeme"
	"github.com/nauta/nauta/internal/apiserver/request"
)

// objectsUserAgent names the object lists and watches in the server's
// logs and metrics.
const objectsUserAgent = "nauta-in-process-informer"

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 1 << 20

// Resource names a collection of the API.
type Resource struct {
	Group, Version, Resource string
}

// path is the collection's URL path, in namespace when not "".
func (r Resource) path(namespace string) string {
	p := "/api/" + r.Version
	if r.Group != "" {
		p = "/apis/" + r.Group + "/" + r.Version
	}
	if namespace != "" {
		p += "/namespaces/" + url.PathEscape(namespace)
	}
	return p + "/" + r.Resource
}

// ListWatch lists and watches res in namespace ("" for all) through the
// API handler and takes the answers as the server's own objects (see
// request.ObjectStream) instead of decoding a serialization of them. The
// objects are shared with the server's watch cache and every other such
// client: they must not be modified. tweak, when not nil, adjusts the
// options of every list and watch (selectors).
func (t *Transport) ListWatch(res Resource, namespace string, tweak func(*metav1.ListOptions)) *cache.ListWatch {
	path := res.path(namespace)
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			if tweak != nil {
				tweak(&opts)
			}
			opts.Watch = false
			stream, resp, err := t.objectRequest(ctx, path, opts)
			if err != nil {
				return nil, err
			}
			_ = resp.Body.Close()
			return stream.List(), nil
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			if tweak != nil {
				tweak(&opts)
			}
			opts.Watch = true
			ctx, cancel := context.WithCancel(ctx)
			stream, resp, err := t.objectRequest(ctx, path, opts)
			if err != nil {
				cancel()
				return nil, err
			}
			return &objectWatch{stream: stream, stop: func() {
				cancel()
				_ = resp.Body.Close()
			}}, nil
		},
	}
}

// objectRequest sends a list or watch asking for objects and returns the
// stream they come on, with the (bodiless) response to close when done.
func (t *Transport) objectRequest(ctx context.Context, path string, opts metav1.ListOptions) (*request.ObjectStream, *http.Response, error) {
	query, err := apischeme.ParameterCodec.EncodeParameters(&opts, metav1.SchemeGroupVersion)
	if err != nil {
		return nil, nil, fmt.Errorf("inprocess: list options for %s: %w", path, err)
	}
	stream := request.NewObjectStream()
	u := url.URL{Scheme: "https", Host: "in-process", Path: path, RawQuery: query.Encode()}
	req, err := http.NewRequestWithContext(request.WithObjectStream(ctx, stream), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("inprocess: request for %s: %w", path, err)
	}
	req.Header.Set("Accept", runtime.ContentTypeProtobuf)
	req.Header.Set("User-Agent", objectsUserAgent)
	resp, err := t.RoundTrip(req)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, nil, responseError(resp, path)
	}
	if !stream.Accepted() {
		_ = resp.Body.Close()
		return nil, nil, fmt.Errorf("inprocess: the server does not hand over %s as objects", path)
	}
	return stream, resp, nil
}

// responseError turns an error response into the error a client-go
// request would return: the server's Status when it sent one.
func responseError(resp *http.Response, path string) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	obj, _, err := apischeme.Codecs.UniversalDeserializer().Decode(body, nil, nil)
	if status, ok := obj.(*metav1.Status); err == nil && ok {
		return &apierrors.StatusError{ErrStatus: *status}
	}
	return apierrors.NewGenericServerResponse(resp.StatusCode, http.MethodGet, schema.GroupResource{}, "", fmt.Sprintf("%s: %s", path, body), 0, true)
}

// objectWatch is the watch.Interface of an object watch.
type objectWatch struct {
	stream *request.ObjectStream
	stop   func()
}

func (w *objectWatch) Stop()                          { w.stop() }
func (w *objectWatch) ResultChan() <-chan watch.Event { return w.stream.Events() }

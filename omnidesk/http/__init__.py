"""What every HTTP route shares, the REST API's and the pages': the request's services, its one
transaction, the acting user (``deps``) and the route class that runs a handler and its commit on one
thread (``one_thread_route``)."""

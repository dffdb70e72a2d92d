# install rules (filled in by the build-integration work)

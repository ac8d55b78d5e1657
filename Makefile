# Everything a fresh machine needs is installed by these targets: a Python venv from
# requirements/dev.txt, the connector jar from Maven Central, the npm emulators and the dashboard's
# chart library, Debian's Chromium for the dashboard's browser test, and toxiproxy (the fault
# proxy of the fault tests) built from its Go module.
PYTHON ?= python3
PY := .venv/bin/python
JAR := lib/pyflink-dependencies.jar
JAVA_SOURCES := java/pom.xml $(shell find java/src -type f)

.PHONY: setup demo test bench jar package clean chromium
TOXIPROXY := .tools/toxiproxy/server
TOXIPROXY_VERSION := v2.12.0

setup: .venv/.installed $(JAR) .venv/.s3-plugin node_modules/.installed chromium $(TOXIPROXY)

.venv/.installed: requirements/forwarder.txt requirements/job.txt requirements/dev.txt
	$(PYTHON) -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

jar: $(JAR)
$(JAR): $(JAVA_SOURCES)
	mvn --quiet --batch-mode -f java/pom.xml package
	mkdir -p lib/plugins/s3-fs-hadoop && cp java/target/pyflink-dependencies.jar $@
	cp java/target/plugins/s3-fs-hadoop/*.jar lib/plugins/s3-fs-hadoop/

# Local runs write the archive to S3 through Flink's S3 filesystem, a plugin that Flink loads
# from PyFlink's own plugins folder (MSF has its own).
.venv/.s3-plugin: .venv/.installed $(JAR)
	plugins=$$($(PY) -c 'import pathlib, pyflink; print(pathlib.Path(pyflink.__file__).parent / "plugins")') && \
	  mkdir -p $$plugins/s3-fs-hadoop && cp lib/plugins/s3-fs-hadoop/*.jar $$plugins/s3-fs-hadoop/
	touch $@

$(TOXIPROXY):
	GOBIN=$(CURDIR)/.tools/toxiproxy go install github.com/Shopify/toxiproxy/v2/cmd/server@$(TOXIPROXY_VERSION)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's chromium package (root, or sudo), unless it is there already.
chromium:
	@command -v chromium >/dev/null || { \
	  run=$$( [ "$$(id -u)" = 0 ] && echo "" || echo sudo ); \
	  $$run env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $$run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

demo: setup
	$(PY) -m local.demo

test: setup
	$(PY) -m pytest -q tests

package: setup
	$(PY) -m deploy.package_msf

bench: setup
	$(PY) -m bench.replay_throughput

clean:
	rm -rf .venv node_modules lib build .tools java/target

# The built-in model catalog. The YAML files here are data; this file only makes the folder the
# package ``wavevid._catalog``, so that it ships inside wheels and is found where the package is.
# The top-level ``catalog`` of the source tree is a link to this folder, for people and docs: the
# real folder lives in the package so that installs (editable ones too) need no path mapping,
# and a checkout without symbolic links (Git on Windows by default) still installs.

# The built-in model catalog. The YAML files here are data; this file only makes the folder
# importable as the package ``wavevid._catalog`` so that it ships inside wheels and resolves in
# editable installs (setup.cfg maps it with package_dir).

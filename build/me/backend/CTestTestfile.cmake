# CMake generated Testfile for 
# Source directory: /work/main/backend
# Build directory: /work/main/build/me/backend
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.

/* Link probe for tests of the dependency direction: each folder library is linked whole
 * into a program made of this file and only the libraries that folder may use (see the
 * top-level meson.build), so a reference to any other folder is an undefined symbol. */
int main(void)
{
        return 0;
}

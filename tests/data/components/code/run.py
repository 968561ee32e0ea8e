print('test component')
